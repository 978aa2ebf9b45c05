"""`cdp`: the developer's command line (dev-only; never part of the Lambda layer).

    cdp serve [--port N] [--admin-key KEY] [--aws-endpoint URL] [--cleanup-interval SECONDS]
    cdp cleanup [--now ISO-DATE] [--aws-endpoint URL]
    cdp bootstrap-admin --tenant-id ten_acme --name "Acme GmbH" --email admin@acme.example
    cdp users set-supreme USER_ID [--revoke] [--aws-endpoint URL]; cdp users supremes
    cdp clients register CLIENT_ID --tenant-id ten_acme --user-id usr_... ; cdp clients register CLIENT_ID --revoke
    cdp contacts restore CONTACT_ID
    cdp contacts restore --deleted-since DATE
    cdp import FILE [--mode skip|upsert] [--wait]; cdp export --segment ID [--wait] [-o FILE]
    cdp webhooks listen [--port N] [--event TYPE] [--json]
    cdp events redispatch --queue-url URL --function NAME [--aws-endpoint URL]
    cdp dead-letters replay --queue-url URL --function NAME [--aws-endpoint URL]
    cdp migrate leads FILE.json|FILE.csv [--dry-run] [--batch-size 1000] [--report FILE]

`serve` remembers its URL, admin key and AWS endpoint in `.cdp/local.json` while it runs (it
removes the record when it stops); the other commands, run there or in a folder below, use them
unless `--base-url`/`--api-key` (or CDP_BASE_URL/CDP_API_KEY) or `--aws-endpoint` say otherwise,
and say on stderr which URL they use.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.failure_queues import add_commands as add_failure_queue_commands
from local.jobs_cli import add_commands
from local.migrate_cli import add_commands as add_migrate_commands
from local.webhooks_cli import add_commands as add_webhook_commands

STATE_FILE = Path(".cdp/local.json")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _print_line(line: str) -> None:
    """One write, so that lines of requests answered at once never interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; the record in STATE_FILE lives exactly as long (Local stack,
    docs/architecture.md). The process ends with `os._exit` once the record is gone and the output
    flushed: what still runs (a workflow's thread, the emulator's state) dies with the data it holds."""
    from local.stack import DevStack

    stop = threading.Event()
    failed: list[BaseException] = []

    def provisioning_failed(error: BaseException) -> None:
        failed.append(error)
        stop.set()

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    stack = DevStack(
        port=args.port,
        admin_key=args.admin_key,
        aws_endpoint=args.aws_endpoint,
        cleanup_interval=args.cleanup_interval,
        on_failure=provisioning_failed,
        access_log=None if args.quiet else _print_line,
    )
    try:
        running = stack.start()
    except OSError as error:
        print(f"cdp serve: cannot listen on port {args.port}: {error.strerror}. Try --port N.", file=sys.stderr)
        return 1
    record = {"baseUrl": running.base_url, "apiKey": running.admin_key, "awsEndpoint": running.aws_endpoint}
    try:
        STATE_FILE.parent.mkdir(exist_ok=True)
        STATE_FILE.write_text(json.dumps(record))
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
        stop.wait()
        print("\nStopping...", flush=True)
    finally:
        _forget(record)
    if failed:
        print(f"cdp serve: the local stack could not be provisioned: {failed[0]}", file=sys.stderr, flush=True)
    print("Stopped.", flush=True)
    os._exit(1 if failed else 0)


def _forget(record: dict[str, str]) -> None:
    """Remove STATE_FILE if it is still this stack's record (another `cdp serve` may have replaced it)."""
    try:
        if json.loads(STATE_FILE.read_text()) == record:
            STATE_FILE.unlink()
    except (OSError, ValueError):
        pass


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


def _operator_table(args: argparse.Namespace) -> str:
    """Point this process at the table an operator command writes: the local stack's (`--aws-endpoint`,
    or the running `cdp serve` when TABLE_NAME is not set), else the deployed one TABLE_NAME names
    (AWS credentials from the environment). Says which on stderr."""
    from contact_platform import config
    from local.resources import environment

    endpoint = args.aws_endpoint or (None if os.environ.get("TABLE_NAME") else _state().get("awsEndpoint"))
    if endpoint:
        os.environ.update(environment(endpoint))
        where = f"the local stack at {endpoint}"
    elif os.environ.get("TABLE_NAME"):
        where = f"table {os.environ['TABLE_NAME']} (TABLE_NAME)"
    else:
        raise SystemExit(
            f"cdp {args.command}: no table; start `cdp serve`, pass --aws-endpoint URL, or set TABLE_NAME "
            "from the stack outputs"
        )
    config.settings.cache_clear()
    print(f"cdp {args.command}: {where}", file=sys.stderr, flush=True)
    return where


def _set_supreme(args: argparse.Namespace) -> int:
    """Flag a user supreme, or with --revoke remove the flag: platform-level, never through the API
    (docs/architecture.md, "Supreme users")."""
    import getpass

    _operator_table(args)
    from contact_platform.services import supremes

    if args.revoke:
        had = supremes.revoke_supreme(args.user_id)
        print(f"{args.user_id} is no longer supreme" if had else f"{args.user_id} was not supreme")
        return 0
    granted = supremes.set_supreme(args.user_id, granted_by=f"operator:{getpass.getuser()}")
    print(f"{granted.user_id} is supreme (granted {granted.granted_at} by {granted.granted_by})")
    return 0


def _list_supremes(args: argparse.Namespace) -> int:
    _operator_table(args)
    from contact_platform.services import supremes

    for supreme in supremes.list_supremes():
        print(f"{supreme.user_id}\tgranted {supreme.granted_at} by {supreme.granted_by}")
    return 0


def _register_client(args: argparse.Namespace) -> int:
    """A Cognito app client's tenant and user (docs/architecture.md, "Bearer tokens: Cognito"), or with
    --revoke its registration removed: its next token request is refused."""
    import getpass

    _operator_table(args)
    from contact_platform.services import token_clients

    if args.revoke:
        had = token_clients.unregister(args.client_id)
        print(f"{args.client_id} is no longer registered" if had else f"{args.client_id} was not registered")
        return 0
    if not (args.tenant_id and args.user_id):
        raise SystemExit("cdp clients register: give --tenant-id and --user-id (or --revoke)")
    from contact_platform.errors import ApiError as Refused

    try:
        item = token_clients.register(
            args.client_id,
            tenant_id=args.tenant_id,
            user_id=args.user_id,
            registered_by=f"operator:{getpass.getuser()}",
        )
    except Refused as refused:
        details = "; ".join(f"{detail.field}: {detail.issue}" for detail in refused.details)
        print(f"cdp clients register: {refused.message} ({details})", file=sys.stderr)
        return 1
    print(f"app client {item.client_id}: tokens act as {item.user_id} in {item.tenant_id}")
    return 0


def _connection(args: argparse.Namespace) -> tuple[str, str]:
    """(base URL, where it comes from): --base-url, CDP_BASE_URL, the record of `cdp serve`, the default."""
    if getattr(args, "base_url", None):
        return args.base_url, "--base-url"
    if os.environ.get("CDP_BASE_URL"):
        return os.environ["CDP_BASE_URL"], "CDP_BASE_URL"
    if _state().get("baseUrl"):
        return _state()["baseUrl"], f"the local stack recorded in {_recorded_in()}"
    return DEFAULT_BASE_URL, "the default"


def _recorded_in() -> Path:
    """The record of the running `cdp serve`: STATE_FILE here, else in the nearest folder above that has
    one (a command run in a data folder under the project finds the stack started at its top)."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / STATE_FILE).is_file():
            return STATE_FILE if folder == here else folder / STATE_FILE
    return STATE_FILE


def _state() -> dict[str, str]:
    try:
        state: dict[str, str] = json.loads(_recorded_in().read_text())
    except (OSError, ValueError):
        return {}
    return state


def _client(args: argparse.Namespace) -> Any:
    """The API client the command uses; says on stderr which base URL it talks to and why."""
    from local.api_client import ApiClient

    base_url, source = _connection(args)
    api_key = args.api_key or os.environ.get("CDP_API_KEY") or _state().get("apiKey")
    if not api_key:
        raise SystemExit(
            f"cdp: no API key; pass --api-key or set CDP_API_KEY, or run this where `cdp serve` runs (or below"
            f" it): it records its URL and key in {STATE_FILE} in the folder it was started from"
        )
    print(f"cdp {args.command}: {base_url} ({source})", file=sys.stderr, flush=True)
    return ApiClient(base_url, api_key)


def _restore(args: argparse.Namespace) -> int:
    from local.api_client import ApiError

    client = _client(args)
    if bool(args.contact_id) == bool(args.deleted_since):
        raise SystemExit("cdp contacts restore: give a CONTACT_ID or --deleted-since DATE (not both)")
    ids = [args.contact_id]
    merged = 0
    if args.deleted_since:  # in bulk, those merged into another are passed over: a merge is not undone
        deleted = client.deleted_contacts(args.deleted_since)
        for contact in deleted:
            if contact.get("mergedInto"):
                print(f"skipped {contact['id']}: merged into {contact['mergedInto']}")
        ids = [contact["id"] for contact in deleted if not contact.get("mergedInto")]
        merged = len(deleted) - len(ids)
    failed = 0
    for contact_id in ids:
        try:
            contact = client.restore_contact(contact_id)
            print(f"restored {contact_id} ({contact['name']})")
        except ApiError as error:
            failed += 1
            print(f"not restored {contact_id}: {error}", file=sys.stderr)
    print(f"{len(ids) - failed} restored, {merged} merged skipped, {failed} failed")
    return 1 if failed else 0


def _moment(text: str) -> datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or date-time: {text!r} (for example 2025-08-12 or 2025-08-12T08:41:45Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(f"not a number of seconds (0 or more): {text!r}")
    return seconds


def _cleanup(args: argparse.Namespace) -> int:
    """Run the scheduled cleanup once, now (or at --now), in the running local stack."""
    from contact_platform.workflows import CLEANUP
    from local.lambda_runtime import direct_invoker, long_running_lambda_client
    from local.resources import REGION, environment, functions_by_name, trigger_function_name
    from local.timer import scheduled_event

    endpoint = args.aws_endpoint or _state().get("awsEndpoint")
    if not endpoint:
        raise SystemExit("cdp cleanup: no local stack found; start `cdp serve` first or pass --aws-endpoint URL")
    os.environ.update(environment(endpoint))
    event = scheduled_event(args.now)
    function = trigger_function_name(CLEANUP)
    lambdas = long_running_lambda_client(endpoint, REGION)
    try:
        try:
            answer = lambdas.invoke(FunctionName=function, Payload=json.dumps(event).encode())
            result, errored = json.loads(answer["Payload"].read() or b"null"), "FunctionError" in answer
        except lambdas.exceptions.ResourceNotFoundException:
            # `cdp serve --aws-endpoint` registers no functions there: it runs them in its own process.
            result, errored = direct_invoker(functions_by_name())(function, event)
    except Exception as error:
        print(f"cdp cleanup: cannot invoke {function} at {endpoint}: {error}", file=sys.stderr)
        return 1
    if errored:
        print(
            f"cdp cleanup: {function} failed: {result.get('errorType')}: {result.get('errorMessage')}", file=sys.stderr
        )
        return 1
    print(json.dumps(result))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cdp", description="contact-data-platform developer tools")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the platform locally")
    serve.add_argument("--port", type=int, default=8000, help="the local gateway's port (default 8000)")
    serve.add_argument("--admin-key", help="use this admin key (cdp_test_<32 hex>) instead of a new one")
    serve.add_argument("--aws-endpoint", help="use this AWS endpoint (e.g. LocalStack) instead of the embedded one")
    serve.add_argument(
        "--cleanup-interval",
        type=_seconds,
        default=3600.0,
        metavar="SECONDS",
        help="run the scheduled cleanup every SECONDS (default 3600; 0: never)",
    )
    serve.add_argument("--quiet", action="store_true", help="no line for each request answered")
    serve.set_defaults(run=_serve)
    cleanup = commands.add_parser("cleanup", help="run the scheduled cleanup once in the running local stack")
    cleanup.add_argument(
        "--now", type=_moment, metavar="ISO-DATE", help="the moment the cleanup takes as now (default: now)"
    )
    cleanup.add_argument("--aws-endpoint", help="the local stack's AWS endpoint (default: the one `cdp serve` uses)")
    cleanup.set_defaults(run=_cleanup)
    bootstrap = commands.add_parser("bootstrap-admin", help="create a tenant's admin and first key on a deployed stage")
    bootstrap.add_argument("--tenant-id", required=True, help="ten_<letters and digits>")
    bootstrap.add_argument("--name", required=True, help="the tenant's display name")
    bootstrap.add_argument("--email", required=True, help="the admin user's email")
    bootstrap.add_argument("--user-id", help="reuse this admin user id (usr_...) when it exists")
    bootstrap.set_defaults(run=_bootstrap_admin)
    users = commands.add_parser("users", help="platform-level user flags (operators)").add_subparsers(
        dest="action", required=True
    )
    set_supreme = users.add_parser("set-supreme", help="make a user supreme (or --revoke); never through the API")
    set_supreme.add_argument("user_id", metavar="USER_ID", help="the user (usr_...)")
    set_supreme.add_argument("--revoke", action="store_true", help="remove the flag instead")
    set_supreme.set_defaults(run=_set_supreme)
    list_supremes = users.add_parser("supremes", help="list the supreme users")
    list_supremes.set_defaults(run=_list_supremes)
    clients = commands.add_parser("clients", help="Cognito app clients (operators)").add_subparsers(
        dest="action", required=True
    )
    register = clients.add_parser("register", help="the tenant and user an app client's tokens act for")
    register.add_argument("client_id", metavar="CLIENT_ID", help="the Cognito app client's ID")
    register.add_argument("--tenant-id", help="the tenant its tokens act in (ten_...)")
    register.add_argument("--user-id", help="an active user of the tenant; its role is read at each token")
    register.add_argument("--revoke", action="store_true", help="remove the registration instead")
    register.set_defaults(run=_register_client)
    for operator in (set_supreme, list_supremes, register):
        operator.add_argument(
            "--aws-endpoint",
            help="the local stack's AWS endpoint (default: the running `cdp serve` unless TABLE_NAME is set)",
        )
    add_failure_queue_commands(commands)
    contacts = commands.add_parser("contacts", help="contact admin tools").add_subparsers(dest="action", required=True)
    restore = contacts.add_parser("restore", help="restore soft-deleted contacts")
    restore.add_argument("contact_id", nargs="?", help="the contact to restore (con_...), or --deleted-since")
    restore.add_argument(
        "--deleted-since", help="restore every contact deleted since this ISO date/time (not those merged into another)"
    )
    added = (*add_commands(commands, _client), *add_webhook_commands(commands, _client))
    for command in (restore, *added, *add_migrate_commands(commands, _client)):
        command.add_argument(
            "--base-url",
            help="the API (default: CDP_BASE_URL, else the running `cdp serve`, else " + DEFAULT_BASE_URL + ")",
        )
        command.add_argument(
            "--api-key", help="the key to call it with (default: CDP_API_KEY, else the running `cdp serve`'s admin key)"
        )
    restore.set_defaults(run=_restore)
    return root


def main(argv: list[str] | None = None) -> None:
    from local.api_client import ApiError, Unreachable

    args = parser().parse_args(argv)
    try:
        sys.exit(args.run(args))
    except ApiError as error:
        print(f"cdp {args.command}: {error}", file=sys.stderr)
        sys.exit(1)
    except Unreachable:
        base_url, source = _connection(args)
        hint = "start `cdp serve` or pass --base-url" if source.startswith("the ") else f"check {source}"
        print(f"cdp {args.command}: {base_url} ({source}) does not answer; {hint}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
