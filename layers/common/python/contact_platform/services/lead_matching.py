"""What leads are matched by as duplicates (docs/data-model.md, "Leads"): pure rules, no reads.

In the migration's order, the first rule that finds a lead decides:
1. the normalized contact email, exactly: score 1.0, `email_exact_match`, a hard duplicate;
2. the normalized contact phone (digits of its international form, read in the lead's territory):
   0.9, `phone_normalized`, soft;
3. the company name in the same city, fuzzily: 0.85 x the similarity of the two names' cores (legal
   forms and trade words dropped, token order ignored), kept from 0.75 on: `company_fuzzy`, soft.
   Names and cities are compared folded and with an umlaut's `e` dropped (`matching_form`), so that
   `Müller`, `Mueller` and `Muller`, `München` and `Muenchen` read the same, as old exports write them.

Candidates for 3 come from an index, never from reading the tenant's leads: a lead is listed under
the start of each distinctive word of its company name (`blocking_tokens`) in its city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contact_platform.services.search_terms import email_key, fold, phone_key
from contact_platform.store.key_sets import SetName

HARD = "skip_or_merge"
SOFT = "review_manually"
EMAIL_SCORE = 1.0
PHONE_SCORE = 0.9
COMPANY_WEIGHT = 0.85  # a company match scores 0.85 x the names' similarity (0..1)
COMPANY_THRESHOLD = 0.75
HARD_FROM = 0.95  # scores from here on are hard duplicates
MIN_BLOCKING_LENGTH = 3
MAX_BLOCKING_TOKENS = 4
BLOCKING_PREFIX = 5
NOTED_CORE = 64  # a core up to so many characters is noted in its company-word sets (`LeadKeys.sets`)

# Words that say what kind of company it is, not which: dropped from a name's core.
LEGAL_FORMS = frozenset(
    "gmbh mbh ag kg ug ohg gbr ek ev co kgaa se sa sarl sagl ltd limited inc llc".split()  # noqa: SIM905
)
TRADE_WORDS = frozenset(
    """restaurant ristorante trattoria pizzeria cafe kaffee bistro bar brasserie hotel gasthaus gasthof
    wirtshaus kantine catering imbiss backerei baeckerei konditorei metzgerei fleischerei feinkost markt
    supermarkt lebensmittel und and the der die das zum zur im am de la le""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z0-9]+")
_UMLAUT_E = re.compile(r"(?<=[aou])e")  # `ue` of a spelled-out umlaut, once folded: `mueller` -> `muller`


@dataclass(frozen=True)
class Match:
    lead_id: str
    score: float
    reason: str  # email_exact_match | phone_normalized | company_fuzzy

    @property
    def recommendation(self) -> str:
        return HARD if self.score >= HARD_FROM else SOFT


def matching_form(text: str) -> str:
    """Folded, `e` after `a`, `o` and `u` dropped: `Müller`, `Mueller`, `Muller` -> `muller`. Only for
    finding and scoring candidates (`Bauer` reads `baur` too: a soft warning at most)."""
    return _UMLAUT_E.sub("", fold(text))


def city_key(city: str) -> str:
    return matching_form(city)


def company_core(company: str) -> str:
    """`Restaurant Musterküche GmbH` -> `musterkuche`: the words that tell one company from another,
    sorted (or every word, when all are generic)."""
    words = _WORD.findall(matching_form(company).replace("&", " "))
    core = [word for word in words if word not in LEGAL_FORMS and word not in TRADE_WORDS]
    return " ".join(sorted(core or words))


def blocking_tokens(company: str, city: str = "") -> list[str]:
    """What a company is listed under: the first five letters of each word of its core (a misspelling
    after them still finds it), the longest words first, at most four, of words of three letters or
    more that are not the city's own name (which half the companies of a city may carry)."""
    city_words = set(_WORD.findall(city_key(city)))
    words = [
        word for word in company_core(company).split() if len(word) >= MIN_BLOCKING_LENGTH and word not in city_words
    ]
    longest_first = sorted(dict.fromkeys(words), key=lambda word: (-len(word), word))
    return list(dict.fromkeys(word[:BLOCKING_PREFIX] for word in longest_first))[:MAX_BLOCKING_TOKENS]


def similarity(core: str, other_core: str) -> float:
    """0..1: rapidfuzz's token-sort ratio of two cores (order-insensitive edit similarity)."""
    from rapidfuzz import fuzz  # the migration's routes only

    return float(fuzz.token_sort_ratio(core, other_core)) / 100


def company_score(core: str, other_core: str) -> float:
    return round(COMPANY_WEIGHT * similarity(core, other_core), 2)


@dataclass(frozen=True)
class LeadKeys:
    """What one lead is found by: its email and phone keys and, per blocking token, its city's entry."""

    email: str | None
    phone: str | None
    city: str
    core: str
    tokens: tuple[str, ...]

    def sets(self) -> list[SetName]:
        """The key sets a lead with these keys is in (store/key_sets.py); in its company-word sets its
        member notes its company core (up to NOTED_CORE characters, keeping a set's item small), which
        the duplicate check scores before it reads a lead."""
        names = [SetName("email", self.email)] if self.email else []
        names += [SetName("phone", self.phone)] if self.phone else []
        note = self.core if len(self.core) <= NOTED_CORE else ""
        return names + [SetName("company", f"{self.city}#{token}", note) for token in self.tokens]


def keys_of(lead: dict[str, Any]) -> LeadKeys:
    """The keys of a lead as the API has it (`contact.email`, `contact.phone`, `territory`, ...)."""
    contact = lead.get("contact") or {}
    email = contact.get("email")
    phone = contact.get("phone")
    region = lead.get("territory") or "DE"
    company, city = str(lead.get("companyName") or ""), str(lead.get("city") or "")
    return LeadKeys(
        email=email_key(email) if email else None,
        phone=phone_key(phone, region) if phone else None,
        city=city_key(city),
        core=company_core(company),
        tokens=tuple(blocking_tokens(company, city)),
    )
