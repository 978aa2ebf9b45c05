"""Pure rules for normalizing and tokenizing what contacts are found and deduplicated by.

Search is by prefix (at least two characters), case- and accent-insensitive, over names, emails
and phone numbers. A contact's tokens are bounded so its writes fit in one transaction.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from itertools import pairwise

from contact_platform.models.fields import DEFAULT_PHONE_REGION

MIN_SEARCH_LENGTH = 2
MAX_TOKEN_LENGTH = 64
MAX_NAME_WORDS = 6
PHONE_KEYS_KEPT = 4096  # numbers whose keys a process keeps (a lead migration sends up to 1,000)
_WORD_SPLIT = re.compile(r"[\s\-'.,/]+")
_PHONE_LIKE = re.compile(r"^[+\d\s().\-/]+$")
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: `  Jörg  Müller ` -> `jorg muller`."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def spelled_out(text: str) -> str:
    """Folded with its umlauts written out, as German writes them without umlauts: `Müller` and
    `Mueller` -> `mueller` (`Muller` stays `muller`)."""
    return fold(text.translate(_SPELLED_OUT))


def unique_forms(text: str) -> list[str]:
    """The forms a unique value is held in: folded, and with its umlauts spelled out where it has any
    (`Müller GmbH`: `muller gmbh` and `mueller gmbh`), so that both `Muller GmbH` and `Mueller GmbH`
    meet it (docs/data-model.md, "Entity records")."""
    return list(dict.fromkeys([fold(text), spelled_out(text)]))


def email_key(email: str) -> str:
    """The form an email is unique and found by."""
    return email.strip().casefold()


def phone_keys(phone: str, region: str = DEFAULT_PHONE_REGION) -> list[str]:
    """Digits of the international and the national form (`4917012345`, `017012345`); a number
    without a country code is read as one of `region`."""
    return list(_phone_keys(phone, region))


@functools.lru_cache(maxsize=PHONE_KEYS_KEPT)
def _phone_keys(phone: str, region: str) -> tuple[str, ...]:
    """Kept: parsing a number costs about 0.1 ms, and a write asks for the same number's keys more
    than once (a lead migration: its duplicate check, then its key sets)."""
    import phonenumbers  # on first use, as in models/fields.py

    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", phone)
        return (digits,) if digits else ()
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
    national = re.sub(r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return tuple(dict.fromkeys(key for key in (international, national) if key))


def phone_search_keys(phone: str) -> list[str]:
    """The phone's search tokens: its international digits, and its national digits where a search
    takes them as they are. `search_term` reads a query starting with the default region's national
    prefix as a national number of that region (`0170...` looks for `49170...`), so a German number
    is one token, a US number two (`4155550100` is searched as it is), and a Swiss number one (its
    `044...` spelling is read as German: it is found as `+41 44...` or `0041 44...`)."""
    keys = phone_keys(phone)
    return keys[:1] + [key for key in keys[1:] if search_term(key) == key]


def phone_key(phone: str, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """The form a phone number is found by for duplicates: digits of its international form."""
    found = phone_keys(phone, region)
    return found[0] if found else None


def name_tokens(*names: str | None) -> list[str]:
    """Every word of the names, and each multi-word name whole (so `jan bei` finds `Jan Beispiel`);
    a word with an umlaut also as German writes it without one (`Müller`: `muller` and `mueller`)."""
    tokens: list[str] = []
    words: list[tuple[str, str]] = []  # (folded, with its umlauts spelled out)
    for name in names:
        if not name:
            continue
        folded = fold(name)
        if " " in folded:
            tokens.append(folded)
        pairs = zip(_WORD_SPLIT.split(folded), _WORD_SPLIT.split(spelled_out(name)), strict=True)
        words += [pair for pair in pairs if pair[0]]
    kept = list(dict.fromkeys(words))[:MAX_NAME_WORDS]
    tokens += [word for word, _ in kept] + [other for word, other in kept if other != word]
    return tokens


def contact_tokens(
    *, first_name: str | None, last_name: str | None, name: str, emails: list[str], phones: list[str]
) -> list[str]:
    tokens = name_tokens(name, first_name, last_name)
    tokens += [email_key(email) for email in emails]
    for phone in phones:
        tokens += phone_search_keys(phone)
    bounded = (token[:MAX_TOKEN_LENGTH] for token in tokens if len(token) >= MIN_SEARCH_LENGTH)
    return sorted(without_prefixes(bounded))


def without_prefixes(tokens: Iterable[str]) -> list[str]:
    """The tokens, in their order, less those that begin another of them: a prefix query that
    matches such a token matches the longer one too (`jan` of `jan beispiel`), so its search entry
    would find nothing the other does not (one item fewer to write per name of several words)."""
    unique = list(dict.fromkeys(tokens))
    begins_next = {token for token, following in pairwise(sorted(unique)) if following.startswith(token)}
    return [token for token in unique if token not in begins_next]


def search_term(query: str) -> str:
    """The prefix a search query is looked up by: digits for phone-like queries, else folded text.
    A phone query's international prefix `00` is dropped, and a national one of the default region
    (`0` in Germany) becomes its country code: `0170 12` looks for `4917012`."""
    if _PHONE_LIKE.match(query) and sum(ch.isdigit() for ch in query) >= MIN_SEARCH_LENGTH:
        digits = re.sub(r"\D", "", query)
        if digits.startswith("00"):
            return digits[2:]
        country, trunk = _default_region_prefixes()
        return country + digits[len(trunk) :] if trunk and digits.startswith(trunk) else digits
    return fold(query)[:MAX_TOKEN_LENGTH]


@functools.cache
def _default_region_prefixes() -> tuple[str, str]:
    """The default region's country code and national (trunk) prefix: `("49", "0")`."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_PHONE_REGION)
    trunk = metadata.national_prefix if metadata is not None else None
    return str(phonenumbers.country_code_for_region(DEFAULT_PHONE_REGION)), trunk or ""


def first_match(tokens: list[str], prefix: str) -> str | None:
    """The smallest of a contact's tokens that starts with `prefix` (its one entry in a search)."""
    return min((token for token in tokens if token.startswith(prefix)), default=None)


def sort_name(last_name: str | None, name: str) -> str:
    return fold(last_name or name)[:MAX_TOKEN_LENGTH]
