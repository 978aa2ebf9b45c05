"""The routes of a declared entity, for the route table (`contact_platform/routes.py`): create, list,
get, update, delete and, for admins, restore and the list of what is deleted; one Lambda function
each, their handlers derived (`functions/api/entity_routes.py`)."""

from __future__ import annotations

from contact_platform.entities.catalog import route_verb, verbs
from contact_platform.entities.entity import Entity
from contact_platform.route import Route


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def entity_routes(entity: Entity) -> tuple[Route, ...]:
    one, many = entity.label.lower(), entity.plural_name.replace("_", " ")
    a = _article(one)
    admin_path = entity.path.replace("/api/v1/", "/api/v1/admin/", 1)  # not under a parent: the tenant's

    def route(
        verb: str, method: str, path: str, action: str, summary: str, status: int = 200, location: str | None = None
    ) -> Route:
        # What referenced the record may move in a job.
        moves = (verb == "delete" and entity.before_delete is not None) or verb == "merge"
        return Route(
            entity.route_name(verb),
            method,
            path,
            entity.plural_name,
            entity.scope(action),
            summary,
            status=status,
            entity=entity.name,
            workflow="moves" if moves else None,
            location=location,
        )

    routes = (
        route("create", "POST", entity.collection_path, "write", f"Create {a} {one}", 201, entity.item_path),
        route("list", "GET", entity.collection_path, "read", f"List, filter, sort and search {many}"),
        route("get", "GET", entity.item_path, "read", f"Get {a} {one}"),
        route("update", "PATCH", entity.item_path, "write", f"Update {a} {one} (honours If-Match)"),
        route("delete", "DELETE", entity.item_path, "delete", f"Delete {a} {one} (restorable by admins for 90 days)"),
        route(
            "restore",
            "POST",
            f"{admin_path}/{{{entity.id_param}}}/restore",
            "restore",
            f"Restore a deleted {one} (admins)",
        ),
        route(
            "list_deleted", "GET", f"{admin_path}/deleted", "restore", f"List deleted {many} not yet purged (admins)"
        ),
        route("merge", "POST", f"{entity.item_path}/merge", "write", f"Merge {a} {one} into another (dryRun)"),
    )
    derived = verbs(entity.name)
    return tuple(route for route in routes if route_verb(route.name) in derived)
