"""B5: an SMS text's encoding and parts, counted by hand and checked as properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skysentral.domain import sms_parts
from skysentral.domain.sms_parts import GSM7, GSM7_BASIC, GSM7_EXTENSION, LIMITS, UCS2, part_units, split

pytestmark = pytest.mark.feature("B5")


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_text_of_length_has_parts(length, parts):
    result = split("a" * length)
    assert (result.encoding, result.count, result.units) == (GSM7, parts, length)


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_text_of_length_has_parts(length, parts):
    result = split("ж" * length)
    assert (result.encoding, result.count) == (UCS2, parts)


def test_norwegian_letters_are_gsm7():
    assert split("Blåbærsyltetøy på ÆØÅ-kurs").encoding == GSM7


def test_euro_sign_counts_two_septets():
    assert split("€").units == 2
    assert split("a" * 158 + "€").count == 1  # 160 septets
    assert split("a" * 159 + "€").count == 2  # 161 septets


def test_escape_pair_is_never_split_between_parts():
    # 152 septets then a € (2): the 153rd septet would be the escape, so the € starts part 2
    result = split("a" * 152 + "€" + "b" * 20)
    assert result.parts[0] == "a" * 152
    assert result.parts[1].startswith("€")


def test_emoji_counts_two_units_and_is_never_split():
    assert split("😀").units == 2 and split("😀").encoding == UCS2
    assert split("😀" * 35).count == 1  # 70 units
    result = split("a" * 66 + "😀" + "b")  # 69 units: one part
    assert result.count == 1
    result = split("a" * 66 + "😀" + "b" * 4)  # 72 units: the emoji would straddle unit 67
    assert result.parts[0] == "a" * 66 and result.parts[1].startswith("😀")


def test_one_non_gsm_character_makes_the_whole_text_ucs2():
    assert split("Hei " * 30 + "ć").encoding == UCS2


gsm_text = st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), max_size=700)
any_text = st.text(max_size=400)


@given(st.one_of(gsm_text, any_text))
def test_parts_rejoin_to_the_text_and_each_fits_its_limit(text):
    result = split(text)
    assert "".join(result.parts) == text
    single, each = LIMITS[result.encoding]
    limit = single if result.count == 1 else each
    assert all(part_units(p, result.encoding) <= limit for p in result.parts)
    assert result.units == sum(part_units(p, result.encoding) for p in result.parts)


@given(gsm_text)
def test_gsm_alphabet_texts_are_gsm7_and_parts_are_minimal(text):
    result = split(text)
    assert result.encoding == GSM7
    # only a pair pushed to the next part can waste a septet: never a whole extra part
    assert result.count <= max(1, -(-result.units // (LIMITS[GSM7][1] - 1)))


def test_is_gsm7_refuses_the_escape_character_itself():
    assert not sms_parts.is_gsm7("\x1b")
