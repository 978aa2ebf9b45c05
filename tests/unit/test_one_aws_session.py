"""Every AWS client of a process comes from one botocore session and every item type shares one
DynamoDB client (docs/architecture.md, "Cold start"): a session of its own parses the endpoint
rules and the service model again, about 0.15 s each. Checked in a fresh interpreter, where nothing
has made a session yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import botocore.session
from moto import mock_aws

made = []
original = botocore.session.Session.__init__
def counting(self, *args, **kwargs):
    made.append(1)
    original(self, *args, **kwargs)

with mock_aws():
    from contact_platform import aws, cursor
    from contact_platform.models.contacts import ContactCreate
    from contact_platform.permissions import Caller
    from contact_platform.services import contacts, dev_tokens
    from contact_platform.store import table
    from contact_platform.store.contacts import ContactItem
    from contact_platform.store.idempotency import persistence_for
    from contact_platform.store.tenants import TenantItem
    from local.provision import provision_data

    provision_data(None)
    botocore.session.Session.__init__ = counting
    dev_tokens.ensure_demo_admin("cdp_test_" + "a" * 32, "req_1")  # a tenant, a user, a key: a transaction
    caller = Caller("ten_demo", "usr_demo_admin", "admin", frozenset({"contacts:write"}), "key_1", "req_2")
    contacts.create_contact(caller, ContactCreate(emails=["one@example.com"], firstName="One"))
    aws.client("s3").list_buckets()
    aws.client("stepfunctions")
    cursor.encode_cursor({"PK": {"S": "x"}}, "binding")
    persistence_for("ten_demo")
    print(json.dumps({
        "sessions": len(made),
        "one_table": ContactItem._get_connection() is TenantItem._get_connection(),
        "shared": ContactItem._get_connection().connection is table.connection(),
        "one_botocore": table.connection().session is aws.session(),
    }))
"""


def test_a_process_makes_one_botocore_session_for_every_client_and_item_type() -> None:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'common' / 'python'}{os.pathsep}{REPO}"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "sessions": 0,
        "one_table": True,
        "shared": True,
        "one_botocore": True,
    }
