"""Texts users receive live in one table per language (skysentral/texts/nb.py, en.py)."""

from __future__ import annotations

import re
import string

import pytest

from skysentral.domain import orders
from skysentral.texts import en, nb, text
from skysentral.texts.order_texts import sms_help_text


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.feature("C1", "D7")
def test_both_languages_have_the_same_texts_with_the_same_placeholders():
    assert nb.TEXTS.keys() == en.TEXTS.keys()
    for key in nb.TEXTS:
        assert _placeholders(nb.TEXTS[key]) == _placeholders(en.TEXTS[key]), key


@pytest.mark.feature("C1")
def test_a_language_we_do_not_have_gets_norwegian():
    assert text("de", "payer.company") == text("nb", "payer.company") == "betalt av bedriften"


@pytest.mark.feature("C8")
@pytest.mark.parametrize("language", ["nb", "en"])
def test_c8_every_keyword_the_sms_help_lists_is_an_order(language):
    keywords = re.findall(r"\b(?:DATA|SURF) [A-ZÆØÅ0-9]+", sms_help_text(language))
    assert len(keywords) == 5
    assert all(orders.parse_sms_order(k) for k in keywords), keywords
