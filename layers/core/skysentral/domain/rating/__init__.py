"""F3 rating: usage records and monthly fees priced by the subscription's price plan into
rated lines (invoice lines), as pure functions over plain values. One module per concept:

    destination_classes  the class of a called number (E.164, phonenumbers, Norway's prefixes)
    tariffs              Tariff per price plan and version; VoicePrice, PeakHours; the standard ones
    usage_rating         the price of one record (increments, connect fee, peak) and its line
    rated_line           RatedLine, line ids, correction lines
    monthly_fees         a month's fee lines of a subscription (pro rata)
    vat                  25 % MVA: per line (shown) and per invoice category (EHF)

docs/rating.md describes the lines, the store and the re-rating."""

from skysentral.domain.rating.destination_classes import DESTINATION_CLASSES, destination_class
from skysentral.domain.rating.monthly_fees import active_add_ons, fee_lines
from skysentral.domain.rating.rated_line import (
    CORRECTION,
    FEE,
    PURCHASE,
    USAGE,
    LineOwner,
    RatedLine,
    correction_line,
    correction_line_id,
    fee_line_id,
    package_line,
    package_line_id,
)
from skysentral.domain.rating.tariffs import STANDARD_TARIFFS, PeakHours, Tariff, VoicePrice, applicable
from skysentral.domain.rating.usage_rating import Rating, charged_seconds, rate, usage_line, voice_amount_ore
from skysentral.domain.rating.vat import MVA_PERCENT, invoice_vat_ore, line_vat_ore

__all__ = [
    "CORRECTION",
    "DESTINATION_CLASSES",
    "FEE",
    "MVA_PERCENT",
    "PURCHASE",
    "STANDARD_TARIFFS",
    "USAGE",
    "LineOwner",
    "PeakHours",
    "RatedLine",
    "Rating",
    "Tariff",
    "VoicePrice",
    "active_add_ons",
    "applicable",
    "charged_seconds",
    "correction_line",
    "correction_line_id",
    "destination_class",
    "fee_line_id",
    "fee_lines",
    "invoice_vat_ore",
    "line_vat_ore",
    "package_line",
    "package_line_id",
    "rate",
    "usage_line",
    "voice_amount_ore",
]
