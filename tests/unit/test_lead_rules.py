"""A lead's pure rules (entities/leads.py), with an injected clock: the protection status at its
boundaries (docs/data-model.md, "Leads"), the dates the write hook computes, and the rules the
migration will check too, among them a registration in the future, which no API body can send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contact_platform import clock
from contact_platform.entities.leads import ENTITY, protection_status, rules
from contact_platform.errors import Detail

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _at(days: float = 0, **more: float) -> str:
    return clock.iso(NOW + timedelta(days=days, **more))


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.parametrize(
    ("protection_until", "progress_deadline", "status"),
    [
        (_at(1), _at(1), "PROTECTED"),
        (_at(1), _at(0), "PROTECTED"),  # the deadline is now: not passed yet
        (_at(1), _at(0, milliseconds=-1), "EXPIRED"),  # no progress in time
        (_at(0, milliseconds=1), _at(300), "PROTECTED"),
        (_at(0), _at(300), "EXPIRED"),  # protection ends at protectionUntil, whatever the progress
        (_at(-1), _at(-2), "EXPIRED"),
    ],
)
def test_the_protection_status(protection_until: str, progress_deadline: str, status: str) -> None:
    assert protection_status(protection_until, progress_deadline, _at()) == status


def _activity(days: float, progress: bool) -> dict[str, Any]:
    return {"activityType": "CALL", "activityDate": _at(days), "summary": "x", "countsAsProgress": progress}


@pytest.mark.parametrize(
    ("lead", "registered", "deadline_from"),
    [
        ({}, 0, 0),  # registered now, no activity: 60 days from the registration
        ({"activities": [_activity(-1, progress=True)]}, 0, -1),  # given dates are not checked here
        ({"registeredAt": _at(-90), "activities": []}, -90, -90),
        (
            {"registeredAt": _at(-90), "activities": [_activity(day, day != -5) for day in (-10, -5, -30)]},
            -90,
            -10,  # the latest activity counting as progress
        ),
    ],
)
def test_the_write_hook_sets_the_dates(lead: dict[str, Any], registered: int, deadline_from: int) -> None:
    assert ENTITY.on_write is not None
    assert ENTITY.on_write(None, lead, _at()) == {
        "registeredAt": _at(registered),
        "protectionUntil": _at(registered + 180),
        "progressDeadline": _at(deadline_from + 60),
    }


@pytest.mark.parametrize(
    ("lead", "problems"),
    [
        ({"registeredAt": _at(0)}, []),
        ({"registeredAt": _at(0, milliseconds=1)}, [Detail("registeredAt", f"Date in future: {NOW.date()}")]),
        (
            {"registeredAt": _at(-2), "activities": [_activity(-2, True), _activity(-3, False), _activity(1, True)]},
            [
                Detail("activities[1].activityDate", "Activity date before lead registration"),
                Detail("activities[2].activityDate", "Activity date in future"),
            ],
        ),
        ({"activities": [_activity(0, False)]}, []),  # without registeredAt: registered now
        (
            {"contact": {}, "consentGivenAt": _at(1)},
            [
                Detail("consentGivenAt", f"Date in future: {(NOW + timedelta(days=1)).date()}"),
                Detail("contact", "Email or phone required when contact data present"),
            ],
        ),
        (
            {"contact": {"phone": "+49 30 1234567"}},
            [Detail("consentGivenAt", "Consent required when contact data present")],
        ),
    ],
)
def test_the_rules(lead: dict[str, Any], problems: list[Detail]) -> None:
    assert rules(lead, set(lead)) == problems
