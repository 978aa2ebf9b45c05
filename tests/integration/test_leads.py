"""Leads beyond the standard cases (test_entities.py): the dates the server sets and the protection
status it derives when a lead is read, the activities route, every rule of a lead with its field and
message, who sees a lead (its owner, never everyone), the filters across pages, and the item a lead
is stored as (docs/data-model.md, "Leads").

Time is moved by replacing `clock.now` (the authorizer, the route functions and the rules read time
there): leads are registered at START + some days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator

from contact_platform import clock
from contact_platform.config import settings
from contact_platform.entities.leads import ENTITY, MAX_ACTIVITIES
from contact_platform.events.catalog import schema_for
from tests.support.entities import make
from tests.support.fixtures import Api, Reply, business_items, table_items
from tests.support.request_counter import dynamodb_requests

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LEADS = "/api/v1/leads"


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def at(self, days: float, **more: float) -> None:
        self.moment = START + timedelta(days=days, **more)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, aws: None) -> Iterator[Clock]:
    """The platform's time, from START on (ask for it before the keys, so they are made then too)."""
    now = Clock()
    monkeypatch.setattr(clock, "now", now)
    yield now


def _at(days: float, **more: float) -> str:
    return clock.iso(START + timedelta(days=days, **more))


def _activity(days: float, progress: bool = True, **fields: Any) -> dict[str, Any]:
    activity = {"activityType": "CALL", "activityDate": _at(days), "summary": "Anruf", "countsAsProgress": progress}
    return activity | fields


def _add(api: Api, key: str, lead_id: str, activity: dict[str, Any], **headers: str) -> Reply:
    return api.post(f"{LEADS}/{lead_id}/activities", key=key, json=activity, headers=headers)


def _ids(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [lead["id"] for lead in reply.data]


def _details(reply: Reply) -> list[tuple[str, str]]:
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    return [(detail["field"], detail["issue"]) for detail in reply.error["details"]]


# The dates and the item --------------------------------------------------------------------------


def test_a_new_lead_is_registered_now_protected_and_stored_with_its_owner(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    lead = make(api, admin["apiKey"], "lead")
    assert (lead["registeredAt"], lead["protectionUntil"], lead["progressDeadline"]) == (_at(0), _at(180), _at(60))
    assert lead["protectionStatus"] == "PROTECTED" and lead["activities"] == [] and lead["migration"] is None
    assert lead["ownerUserId"] == admin["userId"] and "ownerId" not in lead and "visibleTo" not in lead
    (item,) = [item for item in table_items() if item["PK"]["S"].endswith(f"#LEAD#{lead['id']}")]
    tenant = f"TENANT#{admin['tenantId']}#"
    assert item["SK"]["S"] == "RECORD" and item["entity"]["S"] == "lead"
    assert item["ownerId"]["S"] == admin["userId"] and "visibleTo" not in item, "the one owner, never shared"
    assert item["GSI4PK"]["S"] == f"{tenant}LEADS#OWNER#{admin['userId']}"
    data = item["data"]["M"]
    assert data["registeredAt"]["S"] == _at(0) and data["progressDeadline"]["S"] == _at(60)
    assert not {"protectionStatus", "ownerUserId", "migration"} & set(data), "derived when read; set by the migration"


@pytest.mark.parametrize("field", [*ENTITY.server_fields])
def test_the_servers_fields_are_in_no_body(api: Api, admin: dict[str, Any], field: str) -> None:
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    value = {"importId": "i", "externalId": "e", "source": "s"} if field == "migration" else _at(-1)
    assert _details(api.post(LEADS, key=key, json={**ENTITY.example, field: value})) == [(field, "unknown field")]
    assert _details(api.patch(f"{LEADS}/{lead['id']}", key=key, json={field: value})) == [(field, "unknown field")]


def test_a_migrated_lead_keeps_its_registration_and_origin_through_writes(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """What the migration will store (a registration in the past, `migration`) the write hook keeps and
    computes from; no body can set either."""
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    origin = {"importId": "imp-1", "externalId": "EXCEL-ROW-1", "source": "excel-export-2024"}
    boto3.client("dynamodb").update_item(
        TableName=settings().table_name,
        Key={"PK": {"S": f"TENANT#{admin['tenantId']}#LEAD#{lead['id']}"}, "SK": {"S": "RECORD"}},
        UpdateExpression="SET #d.registeredAt = :at, #d.migration = :origin",
        ExpressionAttributeNames={"#d": "data"},
        ExpressionAttributeValues={
            ":at": {"S": _at(-100)},
            ":origin": {"M": {name: {"S": value} for name, value in origin.items()}},
        },
    )
    changed = api.patch(f"{LEADS}/{lead['id']}", key=key, json={"city": "Hamburg"}).data
    assert changed["registeredAt"] == _at(-100) and changed["migration"] == origin
    assert (changed["protectionUntil"], changed["progressDeadline"]) == (_at(80), _at(-40))
    assert changed["protectionStatus"] == "EXPIRED", "no progress within 60 days of its registration"


@pytest.mark.parametrize(
    ("progress_on", "now", "status"),
    [
        (None, timedelta(days=59), "PROTECTED"),
        (None, timedelta(days=60), "PROTECTED"),  # the progress deadline itself: not yet passed
        (None, timedelta(days=60, milliseconds=1), "EXPIRED"),
        (170, timedelta(days=180, milliseconds=-1), "PROTECTED"),
        (170, timedelta(days=180), "EXPIRED"),  # protectionUntil reached, whatever the progress
        (170, timedelta(days=400), "EXPIRED"),
    ],
)
def test_the_protection_status_is_derived_when_read(
    frozen: Clock, api: Api, admin: dict[str, Any], progress_on: int | None, now: timedelta, status: str
) -> None:
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    if progress_on is not None:
        frozen.at(progress_on)
        assert _add(api, key, lead["id"], _activity(progress_on)).status == 201
    frozen.moment = START + now
    assert api.get(f"{LEADS}/{lead['id']}", key=key).data["protectionStatus"] == status
    assert _ids(api.get(LEADS, key=key, params={"protectionStatus": status})) == [lead["id"]]
    other = "EXPIRED" if status == "PROTECTED" else "PROTECTED"
    assert _ids(api.get(LEADS, key=key, params={"protectionStatus": other})) == []


# The activities route ----------------------------------------------------------------------------


def test_an_activity_is_added_and_moves_the_progress_deadline(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    frozen.at(50)
    first = _add(api, key, lead["id"], _activity(40, outcome="pending", performedBy=admin["userId"]))
    assert first.status == 201 and first.header("ETag") == '"2"', first.body
    assert first.data["progressDeadline"] == _at(100) and first.data["version"] == 2
    assert first.data["activities"] == [
        {**_activity(40), "outcome": "pending", "performedBy": admin["userId"]},
    ]
    later, earlier = _activity(45, progress=False, activityType="NOTE"), _activity(30, activityType="VISIT")
    assert _add(api, key, lead["id"], later).data["progressDeadline"] == _at(100), "no progress: no new deadline"
    third = _add(api, key, lead["id"], earlier, **{"If-Match": '"3"'})
    assert third.data["progressDeadline"] == _at(100), "the latest progress counts, not the last added"
    assert [activity["activityType"] for activity in third.data["activities"]] == ["CALL", "NOTE", "VISIT"]
    stale = _add(api, key, lead["id"], _activity(50), **{"If-Match": '"3"'})
    assert stale.status == 412 and stale.error["code"] == "PRECONDITION_FAILED"
    assert _add(api, key, lead["id"], _activity(50)).data["progressDeadline"] == _at(110)
    events = api.get("/api/v1/events", key=key, params={"type": "lead.*"}).data  # of the last 30 days
    assert [event["type"] for event in events] == ["lead.updated"] * 4
    grown = sorted((len(event["previous"]["activities"]), len(event["data"]["activities"])) for event in events)
    assert grown == [(0, 1), (1, 2), (2, 3), (3, 4)], "each with the activities before and after"
    for event in events:
        Draft202012Validator(schema_for(event["type"]), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            event
        )


@pytest.mark.parametrize(
    ("activity", "field", "issue"),
    [
        (_activity(-1), "activityDate", "Activity date before lead registration"),
        (_activity(10, activityDate=_at(10, seconds=1)), "activityDate", "Activity date in future"),
        ({k: v for k, v in _activity(5).items() if k != "countsAsProgress"}, "countsAsProgress", "required"),
        (_activity(5, countsAsProgress="true"), "countsAsProgress", "Input should be a valid boolean"),
        (_activity(5, activityType="LUNCH"), "activityType", None),
        (_activity(5, activityDate="yesterday"), "activityDate", None),
        (_activity(5, summary=""), "summary", None),
        (_activity(5, performedBy="x" * 101), "performedBy", None),
    ],
)
def test_an_activity_is_validated_and_its_problems_name_its_fields(
    frozen: Clock, api: Api, admin: dict[str, Any], activity: dict[str, Any], field: str, issue: str | None
) -> None:
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    frozen.at(10)
    before = business_items()
    refused = _add(api, key, lead["id"], activity)
    details = _details(refused)
    assert [name for name, _ in details] == [field] and (issue is None or details == [(field, issue)])
    assert "activities[" not in refused.error["message"], "the message names the body's field, as the details do"
    assert business_items() == before


def test_a_lead_takes_a_bounded_number_of_activities(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    lead, other = make(api, key, "lead"), make(api, key, "lead")
    frozen.at(1)
    full = api.patch(f"{LEADS}/{lead['id']}", key=key, json={"activities": [_activity(0.5)] * MAX_ACTIVITIES})
    assert full.status == 200, full.body
    refused = _add(api, key, lead["id"], _activity(1))
    assert refused.status == 409 and refused.error["code"] == "CONFLICT", refused.body
    more = [_activity(0.5)] * (MAX_ACTIVITIES + 1)
    assert _details(api.patch(f"{LEADS}/{lead['id']}", key=key, json={"activities": more}))[0][0] == "activities"
    wordy = [_activity(0.5, summary="ä" * 500, outcome="ö" * 200)] * MAX_ACTIVITIES
    assert _details(api.patch(f"{LEADS}/{other['id']}", key=key, json={"activities": wordy})) == [
        ("activities", "at most 100000 bytes of JSON")
    ]


def test_a_leads_activity_history_is_only_added_to(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    """Protection is reckoned from the history: a PATCH that moved a past activity to today, dropped
    one or reordered them would move the progress deadline, so it is refused and writes nothing."""
    partner = api.token("partner", tenant_id=admin["tenantId"])["apiKey"]
    lead = make(api, partner, "lead")
    path = f"{LEADS}/{lead['id']}"
    frozen.at(10)
    first, second = _activity(5), _activity(10, progress=False)
    assert api.patch(path, key=partner, json={"activities": [first, second]}).status == 200
    frozen.at(50)
    kept = api.get(path, key=partner).data
    assert kept["progressDeadline"] == _at(65)
    before = business_items()
    for rewritten in ([_activity(50), second], [second], [], [second, first], [first, second | {"summary": "x"}]):
        refused = api.patch(path, key=partner, json={"activities": rewritten})
        assert _details(refused) == [
            (
                "activities",
                "the activities the lead has (2) stay as they are, first and in their order; new ones go after them "
                f"(or POST /api/v1/leads/{lead['id']}/activities)",
            )
        ], rewritten
    assert business_items() == before
    as_read = [{**activity, "outcome": None, "performedBy": None} for activity in kept["activities"]]
    appended = api.patch(path, key=partner, json={"activities": [*as_read, _activity(50)]})
    assert appended.status == 200 and appended.data["progressDeadline"] == _at(110), appended.body
    assert api.patch(path, key=partner, json={"city": "Köln"}).status == 200, "a PATCH without activities keeps them"
    assert _add(api, partner, lead["id"], _activity(50, summary="again")).status == 201
    assert len(api.get(path, key=partner).data["activities"]) == 4


# The rules of a lead -----------------------------------------------------------------------------

WITHOUT_CONSENT = {name: value for name, value in ENTITY.example.items() if name != "consentGivenAt"}


@pytest.mark.parametrize(
    ("change", "field", "issue"),
    [
        ({"companyName": "A"}, "companyName", "String should have at least 2 characters"),
        ({"city": " B "}, "city", "String should have at least 2 characters"),
        ({"territory": "AT"}, "territory", "Input should be 'DE' or 'CH'"),
        ({"stage": 4}, "stage", "max"),
        ({"stage": -1}, "stage", "min"),
        ({"estimatedVolume": -0.01}, "estimatedVolume", "min"),
        (
            {"contact": {"firstName": "Max", "role": "chef"}},
            "contact",
            "Email or phone required when contact data present",
        ),
        ({"contact": {"email": "max.mustermann@"}}, "contact.email", None),
        ({"contact": {"phone": "12"}}, "contact.phone", None),
        ({"consentGivenAt": _at(0, milliseconds=1)}, "consentGivenAt", f"Date in future: {START.date()}"),
        ({"activities": [_activity(0, activityType="LUNCH")]}, "activities[0].activityType", None),
        (
            {"activities": [{k: v for k, v in _activity(0).items() if k != "countsAsProgress"}]},
            "activities[0].countsAsProgress",
            "required",
        ),
        (
            {"activities": [_activity(0), _activity(0, activityDate=_at(0, seconds=1))]},
            "activities[1].activityDate",
            None,
        ),
        ({"ownerUserId": "usr_nobody"}, "ownerUserId", "no active user with this id"),
        ({"visibleTo": "everyone"}, "visibleTo", "unknown field"),
    ],
)
def test_each_rule_of_a_new_lead_names_its_field(
    frozen: Clock, api: Api, admin: dict[str, Any], change: dict[str, Any], field: str, issue: str | None
) -> None:
    before = business_items()
    details = _details(api.post(LEADS, key=admin["apiKey"], json={**ENTITY.example, **change}))
    assert [name for name, _ in details] == [field] and (issue is None or details == [(field, issue)])
    assert business_items() == before


def test_a_contact_needs_consent_and_an_email_or_a_phone(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    assert _details(api.post(LEADS, key=key, json=WITHOUT_CONSENT)) == [
        ("consentGivenAt", "Consent required when contact data present")
    ]
    assert api.post(LEADS, key=key, json={**WITHOUT_CONSENT, "contact": None}).status == 201, "no contact, no consent"
    for reach in ({"email": "max@example.com"}, {"phone": "+41 44 123 45 67"}):
        assert api.post(LEADS, key=key, json={**ENTITY.example, "contact": reach}).status == 201, reach
    lead = make(api, key, "lead")
    assert _details(api.patch(f"{LEADS}/{lead['id']}", key=key, json={"consentGivenAt": None})) == [
        ("consentGivenAt", "Consent required when contact data present")
    ]
    assert api.patch(f"{LEADS}/{lead['id']}", key=key, json={"contact": None, "consentGivenAt": None}).status == 200


def test_activity_dates_lie_between_the_registration_and_now(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    path = f"{LEADS}/{make(api, key, 'lead')['id']}"
    frozen.at(10)
    early = api.patch(
        path, key=key, json={"activities": [_activity(5), _activity(0, activityDate=_at(0, milliseconds=-1))]}
    )
    assert _details(early) == [("activities[1].activityDate", "Activity date before lead registration")]
    late = api.patch(
        path, key=key, json={"activities": [_activity(10, activityDate=_at(10, milliseconds=1)), _activity(5)]}
    )
    assert _details(late) == [("activities[0].activityDate", "Activity date in future")]
    edges = api.patch(path, key=key, json={"activities": [_activity(0), _activity(10, progress=False)]})
    assert edges.status == 200 and edges.data["progressDeadline"] == _at(60), "both ends are allowed"


# Who sees a lead -----------------------------------------------------------------------------------


def test_a_partner_sees_and_changes_only_its_own_leads(api: Api, admin: dict[str, Any]) -> None:
    tenant = admin["tenantId"]
    anna, ben = (api.token("partner", tenant_id=tenant) for _ in range(2))
    own, theirs = make(api, anna["apiKey"], "lead"), make(api, ben["apiKey"], "lead")
    assert own["ownerUserId"] == anna["userId"] and theirs["ownerUserId"] == ben["userId"]
    key, path = anna["apiKey"], f"{LEADS}/{theirs['id']}"
    activity = _activity(0, activityDate=theirs["registeredAt"])
    for reply in (
        api.get(path, key=key),
        api.patch(path, key=key, json={"city": "Hijacked"}),
        _add(api, key, theirs["id"], activity),
    ):
        assert reply.status == 404 and reply.error["message"] == "Lead not found", reply.body
    assert _ids(api.get(LEADS, key=key)) == [own["id"]]
    assert _ids(api.get(LEADS, key=key, params={"search": "restaurant"})) == [own["id"]]
    assert _ids(api.get(LEADS, key=key, params={"ownerUserId": ben["userId"]})) == []
    assert api.patch(f"{LEADS}/{own['id']}", key=key, json={"city": "Potsdam"}).status == 200
    assert _add(api, key, own["id"], _activity(0, activityDate=own["registeredAt"])).status == 201
    given = api.patch(f"{LEADS}/{own['id']}", key=key, json={"ownerUserId": ben["userId"]})
    assert given.status == 403 and given.error["message"].startswith("Only admins and managers can assign")
    assert api.post(LEADS, key=key, json={**ENTITY.example, "ownerUserId": ben["userId"]}).status == 403
    deleted = api.delete(f"{LEADS}/{own['id']}", key=key)
    assert deleted.status == 403 and deleted.error["message"] == "Missing required permission: leads:delete"


def test_a_partners_list_and_search_read_its_own_leads_only(api: Api, admin: dict[str, Any]) -> None:
    """Leads are never shared, so a partner's list and search read the partner's owner index: its
    first page holds its own leads however many newer leads others registered, and a search costs
    what its own leads cost (one Query, not pages of the others' leads or search entries)."""
    partner = api.token("partner", tenant_id=admin["tenantId"])
    own = [make(api, partner["apiKey"], "lead", companyName=name)["id"] for name in ("Sonnen Feinkost", "Restaurant")]
    for _ in range(12):
        make(api, admin["apiKey"], "lead")  # "Restaurant Musterküche" each
    with dynamodb_requests() as sent:
        page = api.get(LEADS, key=partner["apiKey"], params={"limit": 2})
    assert _ids(page) == own[::-1], page.body
    assert sent["Query"] == 1, sent
    with_filter = api.get(LEADS, key=partner["apiKey"], params={"protectionStatus": "PROTECTED", "limit": 10})
    assert _ids(with_filter) == own[::-1] and with_filter.body["meta"]["pagination"]["nextCursor"] is None
    for term, found in (("restaurant", [own[1]]), ("sonnen", [own[0]]), ("max muster", own[::-1]), ("zz", [])):
        with dynamodb_requests() as sent:
            searched = api.get(LEADS, key=partner["apiKey"], params={"search": term, "limit": 10})
        assert _ids(searched) == found and searched.body["meta"]["pagination"]["nextCursor"] is None, term
        assert sent["Query"] == 1 and "BatchGetItem" not in sent, (term, sent)
    assert len(api.get(LEADS, key=admin["apiKey"], params={"limit": 100}).data) == 14
    assert len(api.get(LEADS, key=admin["apiKey"], params={"search": "restaurant", "limit": 100}).data) == 13


@pytest.mark.parametrize(
    ("role", "sees_all", "writes"),
    [("admin", True, True), ("manager", True, True), ("migration-officer", True, False), ("user", False, True)],
)
def test_who_reads_every_lead(api: Api, admin: dict[str, Any], role: str, sees_all: bool, writes: bool) -> None:
    """Admins and managers read and change every lead; the migration officer reads every lead (what it
    migrated) and changes none; a user, like a partner, only its own."""
    partner = api.token("partner", tenant_id=admin["tenantId"])
    lead = make(api, partner["apiKey"], "lead")
    key = api.token(role, tenant_id=admin["tenantId"])["apiKey"]
    assert (lead["id"] in _ids(api.get(LEADS, key=key))) is sees_all
    assert api.get(f"{LEADS}/{lead['id']}", key=key).status == (200 if sees_all else 404)
    changed = api.patch(f"{LEADS}/{lead['id']}", key=key, json={"city": "Köln"})
    assert changed.status == (200 if sees_all and writes else 403 if not writes else 404), changed.body
    if role == "admin":  # and gives a lead to another user of the tenant
        assert api.patch(f"{LEADS}/{lead['id']}", key=key, json={"ownerUserId": admin["userId"]}).status == 200
        assert api.get(f"{LEADS}/{lead['id']}", key=partner["apiKey"]).status == 404


# Lists -------------------------------------------------------------------------------------------


@pytest.fixture
def registered(frozen: Clock, api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """Six leads registered on days 0 to 5 (the last in CH, the fifth a colleague's); the second with
    progress on day 30. Read on day 62.5: days 0 and 2 are EXPIRED (deadlines 60, 62), the others
    PROTECTED (90, 63, 64, 65)."""
    key = admin["apiKey"]
    colleague = api.token("partner", tenant_id=admin["tenantId"])["userId"]
    leads = []
    for day in range(6):
        frozen.at(day)
        fields: dict[str, Any] = {"companyName": f"Firma {day}", "territory": "CH" if day == 5 else "DE"}
        if day == 4:
            zora = {"firstName": "Zora", "lastName": "Zeller", "phone": "+49 30 1234567"}
            fields |= {"ownerUserId": colleague, "contact": zora}
        leads.append(make(api, key, "lead", **fields)["id"])
    frozen.at(30)
    assert _add(api, key, leads[1], _activity(30)).status == 201
    frozen.at(62.5)
    return {"key": key, "leads": leads, "colleague": colleague}


def _all_pages(api: Api, key: str, params: dict[str, Any], limit: int = 2) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        reply = api.get(LEADS, key=key, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        pages.append(_ids(reply))
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [5, 4, 3, 2, 1, 0]),
        ({"protectionStatus": "PROTECTED"}, [5, 4, 3, 1]),
        ({"protectionStatus": "EXPIRED"}, [2, 0]),
        ({"registeredSince": _at(3)}, [5, 4, 3]),
        ({"registeredSince": _at(2, milliseconds=1), "protectionStatus": "EXPIRED"}, []),
        ({"registeredSince": "2026-03-04", "protectionStatus": "EXPIRED"}, [2]),  # a day: its midnight
        ({"territory": "DE", "protectionStatus": "PROTECTED"}, [4, 3, 1]),
        ({"ownerUserId": "colleague"}, [4]),
        ({"search": "firma"}, [0, 1, 2, 3, 4, 5]),  # by search entry: in token order, then by ID
        ({"search": "zor"}, [4]),
        ({"search": "ZELL"}, [4]),
        ({"search": "zora zel"}, [4]),  # the contact's name whole
        ({"search": "muster"}, [0, 1, 2, 3, 5]),
    ],
    ids=lambda value: "&".join(f"{k}={v}" for k, v in value.items()) or "all" if isinstance(value, dict) else "",
)
def test_filters_page_through_every_match_once(
    api: Api, registered: dict[str, Any], params: dict[str, Any], expected: list[int]
) -> None:
    leads = registered["leads"]
    if params.get("ownerUserId") == "colleague":
        params = {**params, "ownerUserId": registered["colleague"]}
    pages = _all_pages(api, registered["key"], params)
    found = [lead for page in pages for lead in page]
    assert all(len(page) <= 2 for page in pages)
    if "search" in params:
        assert sorted(found) == sorted(leads[i] for i in expected) and len(found) == len(set(found))
    else:
        assert found == [leads[i] for i in expected], pages


def test_a_cursor_belongs_to_its_filter(api: Api, registered: dict[str, Any]) -> None:
    key = registered["key"]
    first = api.get(LEADS, key=key, params={"protectionStatus": "PROTECTED", "limit": 1})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    reply = api.get(LEADS, key=key, params={"protectionStatus": "EXPIRED", "limit": 1, "cursor": cursor})
    assert reply.status == 400 and reply.error["message"] == "Invalid cursor"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"protectionStatus": "ACTIVE"}, "protectionStatus"), ({"registeredSince": "soon"}, "registeredSince")],
)
def test_bad_filters_are_422(api: Api, admin: dict[str, Any], params: dict[str, str], field: str) -> None:
    assert [name for name, _ in _details(api.get(LEADS, key=admin["apiKey"], params=params))] == [field]
