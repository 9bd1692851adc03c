"""A9: advanced barring of outgoing calls and SMS."""

from __future__ import annotations

import pytest

from skysentral.domain.errors import InvalidInput, InvalidPhoneNumber
from skysentral.domain.pbx.barring import CATEGORIES, BarringSettings, barred_reason

ALL = BarringSettings(frozenset(CATEGORIES))
NONE = BarringSettings()


@pytest.mark.feature("A9")
@pytest.mark.parametrize(
    "category, number, reason",
    [
        ("premium_rate", "+4782012345", "premium_rate"),
        ("premium_rate", "+4782912345", "premium_rate"),
        ("premium_rate", "82012345", "premium_rate"),  # as dialled
        ("premium_rate", "+19005551234", "premium_rate"),  # premium abroad, by phonenumbers
        ("premium_rate", "+4780012345", None),  # freephone
        ("premium_rate", "+4791234567", None),
        ("international", "+46812345678", "international"),
        ("international", "+4791234567", None),
        ("content_services", "2222", "content_services"),
        ("content_services", "+472222", "content_services"),
        ("content_services", "1881", "content_services"),
        ("content_services", "26112", "content_services"),
        ("content_services", "3333", None),
        ("content_services", "222", None),
        ("content_services", "+4722000000", None),  # an ordinary 8-digit Oslo number
    ],
)
def test_each_category_bars_its_numbers_only(category, number, reason):
    assert barred_reason(BarringSettings(frozenset({category})), number, roaming=False) == reason
    assert barred_reason(NONE, number, roaming=False) is None  # nothing barred without the category


@pytest.mark.feature("A9")
def test_roaming_bars_every_outgoing_call_while_abroad():
    settings = BarringSettings(frozenset({"roaming"}))
    assert barred_reason(settings, "+4791234567", roaming=True) == "roaming"
    assert barred_reason(settings, "+4791234567", roaming=False) is None
    assert barred_reason(NONE, "+4791234567", roaming=True) is None


@pytest.mark.feature("A9")
def test_chosen_prefixes_are_barred():
    settings = BarringSettings(chosen_prefixes=("+4781", "+44"))
    assert barred_reason(settings, "+4781549300", roaming=False) == "chosen"
    assert barred_reason(settings, "81549300", roaming=False) == "chosen"
    assert barred_reason(settings, "+442071234567", roaming=False) == "chosen"
    assert barred_reason(settings, "+4791234567", roaming=False) is None


@pytest.mark.feature("A9")
@pytest.mark.parametrize("number", ["110", "112", "113", "+47112", "+47 113"])
def test_emergency_numbers_are_never_barred(number):
    settings = BarringSettings(frozenset(CATEGORIES), chosen_prefixes=("+471",))
    assert barred_reason(settings, number, roaming=True) is None


@pytest.mark.feature("A9")
def test_the_first_reason_is_given():
    assert barred_reason(ALL, "+19005551234", roaming=True) == "roaming"
    assert barred_reason(ALL, "+19005551234", roaming=False) == "international"


@pytest.mark.feature("A9")
@pytest.mark.parametrize("number", ["", "abc", "+47abc", "123456789", "+1"])
def test_a_destination_that_is_not_a_number_is_rejected(number):
    with pytest.raises(InvalidPhoneNumber):
        barred_reason(ALL, number, roaming=False)


@pytest.mark.feature("A9")
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"categories": frozenset({"gambling"})}, "Unknown barring category gambling"),
        ({"chosen_prefixes": ("4782",)}, "Barred prefix '4782' must be"),
    ],
)
def test_invalid_settings_are_rejected(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        BarringSettings(**kwargs)
