"""C1: which uploaded photos are accepted, why the others are refused, and the thumbnails."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from skysentral.domain.errors import InvalidPhoto
from skysentral.domain.profile_photo import thumbnails


def image_bytes(width: int, height: int, fmt: str = "PNG", exif_orientation: int | None = None) -> bytes:
    image = Image.effect_noise((width, height), 40).convert("RGB")
    buffer = io.BytesIO()
    if exif_orientation is None:
        image.save(buffer, fmt)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


@pytest.mark.feature("C1")
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_jpeg_png_or_webp_photo_becomes_square_jpeg_thumbnails_of_256_and_64_px(fmt):
    made = thumbnails(image_bytes(400, 300, fmt))
    assert (made.width_px, made.height_px) == (400, 300)
    for size in (256, 64):
        thumb = Image.open(io.BytesIO(made.jpegs[size]))
        assert thumb.format == "JPEG" and thumb.size == (size, size)


@pytest.mark.feature("C1")
def test_the_exif_orientation_is_applied_so_a_photo_taken_on_its_side_is_upright():
    made = thumbnails(image_bytes(400, 200, "JPEG", exif_orientation=6))  # "rotate 90° clockwise"
    assert (made.width_px, made.height_px) == (200, 400)


@pytest.mark.feature("C1")
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"This is a text file named photo.jpg", "not a JPEG, PNG or WebP"),
        (b"", "empty"),
        (image_bytes(10, 10), "at least 64×64"),
        (image_bytes(8001, 64), "at most 8000×8000"),
        (image_bytes(300, 300, "JPEG")[:300], "damaged or incomplete"),
        (image_bytes(300, 300, "JPEG")[:6000], "damaged or incomplete"),
        (image_bytes(100, 100, "GIF"), "not a JPEG, PNG or WebP"),
    ],
)
def test_files_that_are_not_good_photos_are_refused_with_a_reason(data, reason):
    with pytest.raises(InvalidPhoto) as refused:
        thumbnails(data)
    assert reason in refused.value.message and refused.value.code == "invalid_photo"


@pytest.mark.feature("C1")
def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """A small PNG whose header claims 20000×20000 pixels: refused from the header alone."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(InvalidPhoto) as refused:
        thumbnails(buffer.getvalue())
    assert "8000" in refused.value.message
