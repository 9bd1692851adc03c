"""C1: checking an uploaded profile photo and making its thumbnails (Pillow, bytes in and out).

A photo is accepted when Pillow reads it as a JPEG, PNG or WebP image (by its content, not
its file name) of 64×64 to 8000×8000 pixels that decodes completely. Anything else is an
`InvalidPhoto` (422 `invalid_photo`) whose message says what is wrong in words a person
understands. Pillow's own decompression-bomb guard is tightened to the 8000×8000 limit, so
a small file that claims a huge image is refused before it is decoded.

The thumbnails are square JPEGs (256 px for the directory card, 64 px for lists), cut from
the centre after the EXIF orientation is applied, so a phone photo taken on its side is
shown upright."""

from __future__ import annotations

import io
from dataclasses import dataclass

from skysentral.domain.errors import InvalidPhoto

FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MIN_SIDE_PX = 64
MAX_SIDE_PX = 8000
MAX_BYTES = 10 * 1024 * 1024
THUMBNAIL_SIZES_PX = (256, 64)


@dataclass(frozen=True)
class Thumbnails:
    width_px: int  # of the original, upright
    height_px: int
    jpegs: dict[int, bytes]  # size in px -> JPEG bytes


def thumbnails(data: bytes) -> Thumbnails:
    """Checks `data` and returns the upright original's size and the JPEG thumbnails."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise InvalidPhoto(f"The photo is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if not data:
        raise InvalidPhoto("The file is empty.")
    Image.MAX_IMAGE_PIXELS = MAX_SIDE_PX * MAX_SIDE_PX
    try:
        opened = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise InvalidPhoto("The file is not a JPEG, PNG or WebP image.") from None
    except Image.DecompressionBombError:
        raise InvalidPhoto(f"The image is larger than {MAX_SIDE_PX}×{MAX_SIDE_PX} pixels.") from None
    except (OSError, SyntaxError, ValueError):  # a header cut short or garbled
        raise InvalidPhoto("The image is damaged or incomplete; please upload it again.") from None
    width, height = opened.size
    if width > MAX_SIDE_PX or height > MAX_SIDE_PX:
        raise InvalidPhoto(f"The image is {width}×{height} pixels; at most {MAX_SIDE_PX}×{MAX_SIDE_PX} is accepted.")
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        raise InvalidPhoto(f"The image is {width}×{height} pixels; at least {MIN_SIDE_PX}×{MIN_SIDE_PX} is needed.")
    try:
        opened.load()
        image = ImageOps.exif_transpose(opened)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidPhoto("The image is damaged or incomplete; please upload it again.") from None
    image = image.convert("RGB")
    out = {}
    for size in THUMBNAIL_SIZES_PX:
        thumb = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=85, optimize=True)
        out[size] = buffer.getvalue()
    return Thumbnails(image.width, image.height, out)
