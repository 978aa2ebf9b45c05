"""The rules leads are matched by as duplicates (services/lead_matching.py)."""

from __future__ import annotations

import pytest

from contact_platform.services.lead_matching import (
    COMPANY_THRESHOLD,
    HARD,
    SOFT,
    Match,
    blocking_tokens,
    company_core,
    company_score,
    keys_of,
    matching_form,
)


@pytest.mark.parametrize(
    ("company", "core"),
    [
        ("Restaurant Musterküche", "musterkuche"),
        ("Musterküche GmbH", "musterkuche"),
        ("Café Müller & Söhne KG", "muller sohne"),
        ("Söhne Müller", "muller sohne"),  # order does not matter
        ("Restaurant GmbH", "gmbh restaurant"),  # nothing distinctive: every word
    ],
)
def test_a_company_name_is_matched_by_its_distinctive_words(company: str, core: str) -> None:
    assert company_core(company) == core


def test_umlauts_read_the_same_folded_spelled_out_or_left_out() -> None:
    assert matching_form("Müller") == matching_form("Mueller") == matching_form("Muller") == "muller"
    assert company_core("Café Mueller & Soehne KG") == company_core("Café Müller & Söhne KG") == "muller sohne"
    assert blocking_tokens("Mueller Feinkost") == blocking_tokens("Müller Feinkost") == ["mulle"]
    munich = keys_of({"companyName": "Müller Feinkost", "city": "München"})
    assert keys_of({"companyName": "Mueller Feinkost", "city": "Muenchen"}).sets() == munich.sets()
    assert munich.sets() == [("company", "munchen#mulle", "muller")], "one set a word: no more than before"


def test_blocking_words_are_the_longest_distinctive_ones_of_three_letters_or_more() -> None:
    assert blocking_tokens("Bio Hof am See Feinkost Lindenberger Kartoffelhandel Wagner AG") == [
        "karto",
        "linde",
        "wagne",
        "bio",
    ]
    assert blocking_tokens("Musterküche") == blocking_tokens("Musterkueche") == ["muste"]
    assert blocking_tokens("Xy GmbH") == []
    assert blocking_tokens("Berliner Kindl Berlin", "Berlin") == ["berli", "kindl"]


@pytest.mark.parametrize(
    ("one", "other", "score"),
    [
        ("Restaurant Musterküche", "Musterküche GmbH", 0.85),  # the same company: the top of the range
        ("Musterküche", "Musterkueche", 0.85),  # an umlaut spelled out: the same name
        ("Musterkuche", "Musterkuchen", 0.81),
        ("Bäckerei Wagner", "Wagner Backstube", 0.46),
    ],
)
def test_a_company_score_is_085_times_the_similarity_of_the_cores(one: str, other: str, score: float) -> None:
    assert company_score(company_core(one), company_core(other)) == score


def test_scores_from_095_are_hard_duplicates_and_the_rest_soft() -> None:
    assert Match("lead_1", 1.0, "email_exact_match").recommendation == HARD
    assert Match("lead_1", 0.9, "phone_normalized").recommendation == SOFT
    assert Match("lead_1", COMPANY_THRESHOLD, "company_fuzzy").recommendation == SOFT


def test_a_leads_keys_normalize_email_phone_in_its_territory_and_city() -> None:
    keys = keys_of(
        {
            "companyName": "Bio Hof Zürich AG",
            "city": " Zürich ",
            "territory": "CH",
            "contact": {"email": " Anna@Example.CH ", "phone": "044 123 45 67"},
        }
    )
    assert (keys.email, keys.phone, keys.city) == ("anna@example.ch", "41441234567", "zurich")
    assert keys.sets() == [  # a company-word set's member notes the company core
        ("email", "anna@example.ch", ""),
        ("phone", "41441234567", ""),
        ("company", "zurich#bio", "bio hof zurich"),
        ("company", "zurich#hof", "bio hof zurich"),
    ]
    german = keys_of({"companyName": "X", "city": "Berlin", "territory": "DE", "contact": {"phone": "030 1234567"}})
    assert german.phone == "49301234567"
    assert keys_of({"companyName": "Hof", "city": "Bern", "territory": "CH"}).sets() == [("company", "bern#hof", "hof")]
