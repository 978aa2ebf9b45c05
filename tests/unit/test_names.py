"""names.closest: the name a client most likely meant, in this API's words for the CRM seed's."""

from __future__ import annotations

import pytest

from contact_platform.names import closest

DEAL_FIELDS = ["title", "value", "organizationId", "contactId", "ownerId", "pipelineId", "stageId"]


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("org_id", "organizationId"),  # the seed's deal and contact field
        ("orgId", "organizationId"),
        ("person_id", "contactId"),  # the seed's persons are the contacts
        ("personId", "contactId"),
        ("owner_id", "ownerId"),
        ("stage", "stageId"),
        ("organisationId", "organizationId"),  # British spelling, a close one
    ],
)
def test_a_deal_field_in_the_seed_words_names_ours(sent: str, meant: str) -> None:
    assert closest(sent, DEAL_FIELDS) == meant


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("person.created", "contact.created"),
        ("person.*", "contact.*"),
        ("persons", "contacts"),
        ("dealPersonId", "dealContactId"),  # a seed word inside a camelCase name
    ],
)
def test_other_names_in_the_seed_words(sent: str, meant: str) -> None:
    names = ["contact.created", "contact.*", "deal.created", "contacts", "deals", "dealContactId"]
    assert closest(sent, names) == meant


@pytest.mark.parametrize("sent", ["organ", "porgy", "orgel", "personal"])
def test_words_that_only_begin_alike_are_not_read_as_seed_words(sent: str) -> None:
    assert closest(sent, ["organizationId", "contactId"]) is None
