"""Identifiers: random, derived and timed IDs share one shape (`<prefix>_` + 20 base62 characters)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from contact_platform.ids import derived_id, moment_of, new_id, timed_id
from contact_platform.jobs.imports import contact_id_for

SHAPE = re.compile(r"^con_[A-Za-z0-9]{20}$")


def test_a_derived_id_is_deterministic_and_shaped_like_a_random_one() -> None:
    assert derived_id("con", "op_x#2") == derived_id("con", "op_x#2") != derived_id("con", "op_x#3")
    assert SHAPE.match(new_id("con")) and SHAPE.match(derived_id("con", "op_x#2"))


def test_import_contact_ids_use_the_whole_base62_alphabet_like_the_api() -> None:
    imported = "".join(contact_id_for("op_abc", row)[4:] for row in range(2, 200))
    created = "".join(new_id("con")[4:] for _ in range(198))
    for sample in (imported, created):
        assert {"lower", "upper", "digit"} == {
            kind
            for kind, test in (("lower", str.islower), ("upper", str.isupper), ("digit", str.isdigit))
            if any(test(character) for character in sample)
        }
    assert all(SHAPE.match(contact_id_for("op_abc", row)) for row in range(2, 200))


def test_a_timed_id_tells_its_millisecond_and_is_random_otherwise() -> None:
    at = datetime(2026, 12, 6, 1, 50, 41, 489410, tzinfo=UTC)
    first, second = timed_id("con", at), timed_id("con", at)
    assert SHAPE.match(first) and first != second
    assert moment_of(first) == moment_of(second) == at.replace(microsecond=489000)
    assert moment_of("con_short") is None and moment_of("con_" + "-" * 20) is None and moment_of("nothing") is None
