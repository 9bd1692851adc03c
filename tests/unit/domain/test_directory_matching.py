"""B4/C5: how the directory search matches names and numbers and orders its results."""

from __future__ import annotations

import pytest

from skysentral.domain.directory_matching import name_matches, number_matches, number_query, sort_key


@pytest.mark.feature("B4", "C5")
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Kari Nordmann", "kari"),
        ("Kari Nordmann", "KAR nor"),
        ("Kari Nordmann", "nord"),
        ("Émile Dupont", "emile"),
        ("Åse Ødegård", "åse øde"),
        ("Åse Ødegård", "ÅSE"),
        ("Jörgen Müller", "jør mul"),
        ("Anne-Lise Berg", "lise"),
    ],
)
def test_name_words_are_found_by_their_beginnings_whatever_the_case_and_accents(name, query):
    assert name_matches(name, query)


@pytest.mark.feature("B4", "C5")
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Åse Ødegård", "ase"),  # å is a letter of its own, not an accented a
        ("Petter Jørgensen", "jorg"),  # nor is ø an o
        ("Ærlige Per", "aer"),
        ("Kari Nordmann", "ari"),  # a word's beginning, not its middle
        ("Kari Nordmann", "kari olsen"),  # every query word must match
    ],
)
def test_ae_oe_aa_are_letters_of_their_own_and_only_word_beginnings_match(name, query):
    assert not name_matches(name, query)


@pytest.mark.feature("B4")
def test_names_sort_in_norwegian_order_with_ae_oe_aa_after_z():
    names = ["Åse", "Øystein", "Zara", "Æsa", "anne", "Ola", "Bjørn", "Bjarne"]
    assert sorted(names, key=sort_key) == ["anne", "Bjarne", "Bjørn", "Ola", "Zara", "Æsa", "Øystein", "Åse"]


@pytest.mark.feature("B4", "C5")
@pytest.mark.parametrize("typed", ["912 34 567", "+47 912 34 567", "004791234567", "91234567", "+4791234567"])
def test_a_whole_number_in_any_format_matches_its_e164_form(typed):
    wanted = number_query(typed)
    assert wanted is not None and wanted.e164 == "+4791234567"
    assert number_matches(wanted, ["+4791234567"])
    assert not number_matches(wanted, ["+4791234568"])


@pytest.mark.feature("B4")
def test_a_short_number_matches_an_extension_by_its_beginning_and_numbers_containing_it():
    assert number_matches(number_query("20"), [None], "203")
    assert not number_matches(number_query("21"), ["+4791200003"], "203")
    assert number_matches(number_query("912 00"), ["+4791200003"])
    assert not number_matches(number_query("913"), ["+4791200003"])


@pytest.mark.feature("B4")
def test_a_name_is_not_a_number():
    assert number_query("Kari") is None
    assert number_query("  ") is None
