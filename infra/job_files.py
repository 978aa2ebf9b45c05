"""Which job files each function may touch, and how (docs/architecture.md, Infrastructure): the buckets a job
writes its files to, signs download URLs for and removes files from. The campaign exports' rules are derived
from the export type table (contact_platform/campaign_export_types.py), so a new type, or a type moved to
another destination, changes the grants with it:

- a job's steps write its files (export files, import error reports) in parts to the exports bucket; the
  campaign exports' steps to the destination of each type. A type written with an ACL (the scoring files'
  `bucket-owner-full-control`) needs s3:PutObjectAcl besides: S3 checks it on any write that sets an ACL.
  It is granted on the destinations of such types only.
- the GET routes of a job sign download URLs (the route's role signs them, so it needs GetObject) for the
  files they link: the segment export's file and the import's error report in the exports bucket, a
  campaign export's single file in its destination (a type written per market lists its files' keys and
  signs none: services/campaign_exports.py).
- the cleanup removes expired files: the exports bucket's (a campaign export file expires when its type's
  retention says so, `file_retention`; a hand-off bucket's files belong to its consumer and are kept by its
  own lifecycle).
- the CCPA erasure of a user's exports (`USER_EXPORT_ERASURE_ROUTES`) deletes the files of every type not
  kept on erasure, in any tenant, and their operation items (batches of chunk items among them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contact_platform.campaign_export_types import EXPORT_TYPES, PRIVATE
from contact_platform.route import Route
from contact_platform.services.campaign_exports import file_retention
from infra.storage import BUCKET_ENV, DESTINATIONS, EXPORTS, JobBucket

CAMPAIGN_EXPORTS = "campaign_exports"
# Routes that erase a user's campaign exports (services/campaign_exports.erase_user_exports): a route of
# this name gets the grants and bucket names below, whatever its resource.
USER_EXPORT_ERASURE_ROUTES = frozenset({"erase_user_exports"})


def _in_order(destinations: Iterable[str]) -> tuple[str, ...]:
    found = set(destinations)
    return tuple(destination for destination in DESTINATIONS if destination in found)


_TYPES = tuple(EXPORT_TYPES.values())
CAMPAIGN_EXPORT_DESTINATIONS = _in_order(declared.destination for declared in _TYPES)
ACL_DESTINATIONS = _in_order(declared.destination for declared in _TYPES if declared.acl != PRIVATE)
SIGNED_CAMPAIGN_DESTINATIONS = _in_order(declared.destination for declared in _TYPES if not declared.per_market)
EXPIRING_CAMPAIGN_DESTINATIONS = _in_order(
    declared.destination for declared in _TYPES if file_retention(declared) is not None
)
ERASED_DESTINATIONS = _in_order(declared.destination for declared in _TYPES if not declared.kept_on_erasure)

# Per job: where its steps write files (every other job: the exports bucket), which of those get an ACL, and
# where its GET routes sign download URLs (only the jobs listed sign any).
_WRITTEN: dict[str, tuple[str, ...]] = {CAMPAIGN_EXPORTS: CAMPAIGN_EXPORT_DESTINATIONS}
_WRITTEN_WITH_ACL: dict[str, tuple[str, ...]] = {CAMPAIGN_EXPORTS: ACL_DESTINATIONS}
SIGNED: dict[str, tuple[str, ...]] = {
    "exports": (EXPORTS,),
    "imports": (EXPORTS,),
    CAMPAIGN_EXPORTS: SIGNED_CAMPAIGN_DESTINATIONS,
}
# The cleanup's: the expired files of the segment exports and of the campaign exports.
CLEANUP_DELETES = _in_order((EXPORTS, *EXPIRING_CAMPAIGN_DESTINATIONS))


def written(workflow: str) -> tuple[str, ...]:
    """The buckets a job's steps write files to."""
    return _WRITTEN.get(workflow, (EXPORTS,))


def written_with_acl(workflow: str) -> tuple[str, ...]:
    return _WRITTEN_WITH_ACL.get(workflow, ())


def signs_urls(workflow: str | None) -> bool:
    return workflow in SIGNED


def erases_user_exports(route: Route) -> bool:
    return route.name in USER_EXPORT_ERASURE_ROUTES


def route_destinations(route: Route) -> tuple[str, ...]:
    """The destination buckets whose names a route is told: its job's, or every one for an erasure."""
    if erases_user_exports(route):
        return DESTINATIONS
    return written(route.workflow) if route.workflow is not None else ()


def bucket_environment(buckets: Mapping[str, JobBucket], purposes: Iterable[str]) -> dict[str, str]:
    """`UPLOADS_BUCKET`, `SCORING_BUCKET`, ...: the names of the buckets of these purposes."""
    return {BUCKET_ENV[purpose]: buckets[purpose].name for purpose in purposes}
