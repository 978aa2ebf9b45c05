"""The route table: matching, naming rules, one handler module per route."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from contact_platform.routes import ROUTES, match

ROOT = Path(__file__).resolve().parents[2]


def test_static_segments_win_over_parameters() -> None:
    found = match("GET", "/api/v1/admin/contacts/deleted")
    assert found is not None and found[0].name == "list_deleted_contacts"
    found = match("POST", "/api/v1/admin/contacts/con_1/restore")
    assert found is not None and found[1] == {"contactId": "con_1"}


def test_no_match_for_unknown_paths_or_methods() -> None:
    assert match("GET", "/api/v1/contacts/a/b") is None
    assert match("PUT", "/api/v1/contacts/con_1") is None


def test_every_route_has_its_handler_module_and_a_permission_rule() -> None:
    names = [route.name for route in ROUTES]
    assert len(names) == len(set(names))
    assert len({(r.method, r.path) for r in ROUTES}) == len(ROUTES)
    for route in ROUTES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", route.name), route.name
        if route.entity is not None:  # derived from its declaration: the entities' module serves it
            assert getattr(importlib.import_module(route.handler_module), route.name).route == route
            continue
        module = ROOT / "functions" / "api" / route.resource / f"{route.name}.py"
        assert module.is_file(), module
        assert f'@endpoint("{route.name}")' in module.read_text()
        assert route.public or re.fullmatch(r"[a-z]+:[a-z]+", route.permission or ""), route.name
        assert (
            route.path.startswith("/api/v1/")
            or route.path in ("/heartbeat", "/.well-known/jwks.json", "/metrics")
            or (route.path.startswith("/dev/") and route.dev_only)
        )


def test_a_created_record_is_located_where_its_get_route_reads_it() -> None:
    """Every route creating a record that a GET route reads answers its 201 with a `Location` of
    that GET's path; no location names a path nothing reads."""
    gets = {route.name: route.path for route in ROUTES if route.method == "GET"}
    for route in ROUTES:
        reader = gets.get("get_" + route.name.removeprefix("create_"))
        if route.status == 201 and route.name.startswith("create_") and reader:
            assert route.location == reader, route.name
        assert route.location is None or route.location in gets.values(), route.name
    assert sum(route.location is not None for route in ROUTES) >= 17


def test_handler_functions_share_the_route_name_with_a_service_function() -> None:
    for route in ROUTES:
        if route.entity is not None:
            continue
        source = (ROOT / "functions" / "api" / route.resource / f"{route.name}.py").read_text()
        assert f"def {route.name}(" in source


def test_no_scan_in_request_path_code() -> None:
    sources = [*(ROOT / "layers").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    offenders = [str(path) for path in sources if re.search(r"\.scan\(|[\"']Scan[\"']", path.read_text())]
    assert offenders == []
