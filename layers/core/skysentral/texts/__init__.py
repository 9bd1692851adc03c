"""Texts users receive (SMS alerts, receipts, SMS help), one table per language:
`texts/nb.py` and `texts/en.py`. Users choose `nb` or `en`; anything else gets `nb`.

    text("en", "alert.package_80", size="5")

Amounts are formatted the same way in both languages (`text_formats`). Which text an
alert or an order gets is decided in `alert_texts` and `order_texts`.
"""

from __future__ import annotations

from skysentral.texts import en, nb

LANGUAGES = ("nb", "en")
_TABLES = {"nb": nb.TEXTS, "en": en.TEXTS}


def text(language: str, key: str, **params: object) -> str:
    """The text `key` in `language` (nb when the language is not one we have)."""
    return _TABLES.get(language, nb.TEXTS)[key].format(**params)
