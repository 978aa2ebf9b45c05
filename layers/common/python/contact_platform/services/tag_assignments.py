"""Tag assignments: tag every contact of a segment in a job; read a tagging operation's counts."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.errors import Detail
from contact_platform.models.operations import (
    OperationAccepted,
    OperationListQuery,
    TagAssignment,
    TagAssignmentCreate,
)
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services import operations, segments, tags
from contact_platform.store.operations import ChunkResultItem, OperationItem

JOB = "tagging"


def create_tag_assignment(caller: Caller, body: TagAssignmentCreate) -> OperationAccepted:
    tag = tags.active_tag(caller, body.tagId)
    segment = segments.found(caller, body.segmentId)
    if not any(page.items for page in segments.member_ids(segment, caller)):
        raise errors.ApiError(
            422, "SEGMENT_EMPTY", "The segment has no contacts", [Detail("segmentId", "has no active contacts")]
        )
    operation = operations.new_operation(
        caller,
        JOB,
        {
            "action": "add",
            "tagId": tag.tag_id,
            "tagName": tags.current_name(tag),
            "tagKey": tag.tag_key,
            "segmentId": segment.segment_id,
        },
    )
    operations.start(caller, operation, "tagging.started")
    return operations.accepted(operation)


def view(operation: OperationItem, chunks: list[ChunkResultItem]) -> TagAssignment:
    """The operation as its GET returns it."""
    counts = operations.totals(operation, chunks)
    params = operation.params
    return TagAssignment(
        **operations.common_fields(operation),
        action=params["action"],
        tagId=str(params["tagId"]),
        tagName=str(params["tagName"]),
        segmentId=params.get("segmentId"),
        matched=counts.get("matched", 0),
        tagged=counts.get("tagged", 0),
        alreadyTagged=counts.get("alreadyTagged", 0),
        untagged=counts.get("untagged", 0),
        renamed=counts.get("renamed", 0),
        failed=counts.get("failed", 0),
    )


def get_tag_assignment(caller: Caller, operation_id: str) -> TagAssignment:
    return view(*operations.visible(caller, JOB, operation_id))


def list_tag_assignments(caller: Caller, query: OperationListQuery) -> Listing[TagAssignment]:
    return operations.list_operations(caller, JOB, query, lambda item: view(item, []))


def retry_tag_assignment(caller: Caller, operation_id: str) -> OperationAccepted:
    """Run a FAILED tagging operation (a tag assignment, deletion or rename) again."""
    return operations.retry(caller, JOB, operation_id)
