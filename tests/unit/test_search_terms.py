"""Pure search and normalization rules."""

from __future__ import annotations

import pytest

from contact_platform.services import search_terms as st


@pytest.mark.parametrize(
    ("text", "folded"),
    [("  Jörg  Müller ", "jorg muller"), ("ÉLODIE", "elodie"), ("Straße", "strasse"), ("Łukasz", "łukasz")],
)
def test_fold_removes_case_accents_and_extra_space(text: str, folded: str) -> None:
    assert st.fold(text) == folded


def test_email_key_is_case_insensitive() -> None:
    assert st.email_key(" Jan.Beispiel@Example.COM ") == "jan.beispiel@example.com"


@pytest.mark.parametrize(
    ("phone", "keys"),
    [
        ("+49 170 1234567", ["491701234567", "01701234567"]),
        ("0170/1234567", ["491701234567", "01701234567"]),
        ("+1 (415) 555-0100", ["14155550100", "4155550100"]),
    ],
)
def test_phone_keys_cover_international_and_national_forms(phone: str, keys: list[str]) -> None:
    assert st.phone_keys(phone) == keys


def test_a_numbers_keys_are_worked_out_once_and_each_answer_is_a_list_of_its_own() -> None:
    st._phone_keys.cache_clear()
    first = st.phone_keys("+49 170 7654321", "DE")
    first.append("changed by a caller")
    assert st.phone_keys("+49 170 7654321", "DE") == ["491707654321", "01707654321"]
    assert st.phone_key("+49 170 7654321", "DE") == "491707654321"
    assert st.phone_keys("+49 170 7654321", "CH") == ["491707654321", "01707654321"]
    assert st._phone_keys.cache_info().misses == 2, "parsed once per number and region"


def test_contact_tokens_are_bounded_sorted_and_unique() -> None:
    tokens = st.contact_tokens(
        first_name="Anna-Lena",
        last_name="von der Heide",
        name="Anna-Lena von der Heide",
        emails=["anna@example.com", "ANNA@example.com"],
        phones=["+49 30 123456"],
    )
    assert tokens == sorted(set(tokens))
    assert "anna-lena von der heide" in tokens and "heide" in tokens and "lena" in tokens
    assert "anna" not in tokens and "von" not in tokens, "a word that begins another token is found by that one"
    assert tokens.count("anna@example.com") == 1
    assert "4930123456" in tokens and "030123456" not in tokens, "a German number's national form is not a token"
    many = st.contact_tokens(
        first_name=None, last_name=None, name=" ".join(f"w{i}x" for i in range(20)), emails=[], phones=[]
    )
    words = [t for t in many if " " not in t]
    assert words == [f"w{i}x" for i in range(1, st.MAX_NAME_WORDS)], "the first begins the whole name"


@pytest.mark.parametrize(
    ("tokens", "kept"),
    [
        (["jan beispiel", "jan", "beispiel"], ["jan beispiel", "beispiel"]),
        (["jan", "jana", "jan"], ["jana"]),
        (["ab", "abc", "abd", "b"], ["abc", "abd", "b"]),
        (["x y", "x-y", "x"], ["x y", "x-y"]),
        ([], []),
    ],
)
def test_tokens_that_begin_another_are_left_out_in_order(tokens: list[str], kept: list[str]) -> None:
    assert st.without_prefixes(tokens) == kept
    for query in {token[:length] for token in tokens for length in range(1, len(token) + 1)}:
        assert any(token.startswith(query) for token in kept), f"{query!r} still finds the record"


def test_tokens_shorter_than_two_characters_are_dropped() -> None:
    assert st.contact_tokens(first_name="A", last_name="B", name="A B", emails=[], phones=[]) == ["a b"]


@pytest.mark.parametrize(
    ("phone", "tokens", "found_by"),
    [
        ("+49 170 1234567", ["491701234567"], ["+49 170 12", "0170 12", "0049 170"]),  # 0170 is read as 49170
        ("+1 (415) 555-0100", ["14155550100", "4155550100"], ["+1 415", "415 555", "001 415"]),
        ("+41 44 123 45 67", ["41441234567"], ["+41 44 12", "0041 44"]),  # 044 would be read as German
    ],
)
def test_a_phone_is_a_token_in_each_spelling_a_search_takes_as_it_is(
    phone: str, tokens: list[str], found_by: list[str]
) -> None:
    assert st.phone_search_keys(phone) == tokens
    for query in found_by:
        assert any(token.startswith(st.search_term(query)) for token in tokens), query


@pytest.mark.parametrize(
    ("query", "term"),
    [("Müll", "mull"), ("+49 170", "49170"), ("0049 170", "49170"), ("0170-12", "4917012"), ("jan@Ex", "jan@ex")],
)
def test_search_term(query: str, term: str) -> None:
    assert st.search_term(query) == term


def test_first_match_picks_the_smallest_matching_token() -> None:
    tokens = ["maria", "maria@example.com", "mayer", "zed"]
    assert st.first_match(tokens, "ma") == "maria"
    assert st.first_match(tokens, "may") == "mayer"
    assert st.first_match(tokens, "x") is None


def test_a_word_with_an_umlaut_is_also_found_spelled_out() -> None:
    assert st.name_tokens("Jörg Müller", "Jörg", "Müller") == [
        "jorg muller",
        "jorg",
        "muller",
        "joerg",
        "mueller",
    ]
    assert st.name_tokens("Bäckerei Schröder-Übel") == [
        "backerei schroder-ubel",
        "backerei",
        "schroder",
        "ubel",
        "baeckerei",
        "schroeder",
        "uebel",
    ]
    assert st.name_tokens("Jan Beispiel") == ["jan beispiel", "jan", "beispiel"], "nothing more without one"
