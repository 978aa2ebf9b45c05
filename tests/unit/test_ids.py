"""Identifiers: random and derived IDs share one shape (`<prefix>_` + 20 base62 characters)."""

from __future__ import annotations

import re

from contact_platform.ids import derived_id, new_id
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
