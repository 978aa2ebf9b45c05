"""`cdp`: the developer's command line (dev-only; never part of the Lambda layer).

    cdp serve [--port N] [--admin-key KEY] [--aws-endpoint URL]
    cdp bootstrap-admin --tenant-id ten_acme --name "Acme GmbH" --email admin@acme.example
    cdp contacts restore CONTACT_ID
    cdp contacts restore --deleted-since DATE

`serve` remembers its URL and admin key in `.cdp/local.json`; the other commands use them unless
`--base-url`/`--api-key` (or CDP_BASE_URL/CDP_API_KEY) say otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

STATE_FILE = Path(".cdp/local.json")


def _serve(args: argparse.Namespace) -> int:
    from local.stack import LocalStack

    stack = LocalStack(port=args.port, admin_key=args.admin_key, aws_endpoint=args.aws_endpoint)
    try:
        running = stack.start()
    except OSError as error:
        print(f"cdp serve: cannot listen on port {args.port}: {error.strerror}. Try --port N.", file=sys.stderr)
        stack.stop()
        return 1
    STATE_FILE.parent.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps({"baseUrl": running.base_url, "apiKey": running.admin_key}))
    emulator = "embedded moto server" if not args.aws_endpoint else "external endpoint"
    print(
        f"contact-data-platform is running locally\n"
        f"  API:        {running.base_url}/api/v1\n"
        f"  Docs:       {running.base_url}/docs  (OpenAPI: {running.base_url}/openapi.json)\n"
        f"  AWS:        {running.aws_endpoint} ({emulator})\n"
        f"  Tenant:     {running.tenant_id}\n"
        f"  Admin key:  {running.admin_key}\n\n"
        f"Try:\n"
        f'  curl -H "Authorization: Bearer {running.admin_key}" {running.base_url}/api/v1/contacts\n\n'
        f"Press Ctrl-C to stop.",
        flush=True,
    )
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    stop.wait()
    print("\nStopping...", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return 0


def _bootstrap_admin(args: argparse.Namespace) -> int:
    """A tenant's first admin key on a deployed stage (AWS credentials and TABLE_NAME from the environment)."""
    if not os.environ.get("TABLE_NAME"):
        raise SystemExit("cdp bootstrap-admin: set TABLE_NAME (and CURSOR_SECRET_ARN) from the stack outputs")
    from contact_platform.ids import new_id
    from contact_platform.services.dev_tokens import bootstrap_admin

    token = bootstrap_admin(
        args.tenant_id,
        tenant_name=args.name,
        admin_email=args.email,
        admin_user_id=args.user_id or new_id("usr"),
        admin_key=None,
        request_id="req_cdp_bootstrap_admin",
    )
    print(f"tenant {token.tenantId}, admin {token.userId}\nadmin key (shown once): {token.apiKey}")
    return 0


def _client(args: argparse.Namespace) -> Any:
    from local.api_client import ApiClient

    state = json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}
    base_url = args.base_url or os.environ.get("CDP_BASE_URL") or state.get("baseUrl") or "http://127.0.0.1:8000"
    api_key = args.api_key or os.environ.get("CDP_API_KEY") or state.get("apiKey")
    if not api_key:
        raise SystemExit("cdp: no API key; pass --api-key, set CDP_API_KEY or start `cdp serve` first")
    return ApiClient(base_url, api_key)


def _restore(args: argparse.Namespace) -> int:
    from local.api_client import ApiError

    client = _client(args)
    if bool(args.contact_id) == bool(args.deleted_since):
        raise SystemExit("cdp contacts restore: give a CONTACT_ID or --deleted-since DATE (not both)")
    ids = [args.contact_id] if args.contact_id else client.deleted_contact_ids(args.deleted_since)
    failed = 0
    for contact_id in ids:
        try:
            contact = client.restore_contact(contact_id)
            print(f"restored {contact_id} ({contact['name']})")
        except ApiError as error:
            failed += 1
            print(f"not restored {contact_id}: {error}", file=sys.stderr)
    print(f"{len(ids) - failed} restored, {failed} failed")
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cdp", description="contact-data-platform developer tools")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the platform locally")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--admin-key", help="use this admin key (cdp_test_<32 hex>) instead of a new one")
    serve.add_argument("--aws-endpoint", help="use this AWS endpoint (e.g. LocalStack) instead of the embedded one")
    serve.set_defaults(run=_serve)
    bootstrap = commands.add_parser("bootstrap-admin", help="create a tenant's admin and first key on a deployed stage")
    bootstrap.add_argument("--tenant-id", required=True, help="ten_<letters and digits>")
    bootstrap.add_argument("--name", required=True, help="the tenant's display name")
    bootstrap.add_argument("--email", required=True, help="the admin user's email")
    bootstrap.add_argument("--user-id", help="reuse this admin user id (usr_...) when it exists")
    bootstrap.set_defaults(run=_bootstrap_admin)
    contacts = commands.add_parser("contacts", help="contact admin tools").add_subparsers(dest="action", required=True)
    restore = contacts.add_parser("restore", help="restore soft-deleted contacts")
    restore.add_argument("contact_id", nargs="?")
    restore.add_argument("--deleted-since", help="restore every contact deleted since this ISO date/time")
    for command in (restore,):
        command.add_argument("--base-url")
        command.add_argument("--api-key")
    restore.set_defaults(run=_restore)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
