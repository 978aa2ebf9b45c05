"""A cold authorizer's first request, in a fresh interpreter where nothing has touched the table yet:
the key is read and the request counted with UpdateItems only (no DescribeTable, no GetItem: the
function may do nothing else, infra/table_access.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import hashlib
import json

import boto3
from botocore import handlers
from moto import mock_aws

sent = []
handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", lambda model, **_: sent.append(model.name)))

with mock_aws():
    from contact_platform.config import settings
    from contact_platform.store.table import table_definition

    client = boto3.client("dynamodb")
    client.create_table(**table_definition())
    key = "cdp_test_" + "c" * 32
    client.put_item(
        TableName=settings().table_name,
        Item={
            "PK": {"S": "APIKEYHASH#" + hashlib.sha256(key.encode()).hexdigest()},
            "SK": {"S": "LOOKUP"},
            "kind": {"S": "apikey-lookup"},
            "tenantId": {"S": "ten_cold"},
            "keyId": {"S": "key_cold"},
            "userId": {"S": "usr_cold"},
            "role": {"S": "admin"},
            "scopes": {"L": [{"S": "contacts:read"}]},
            "rateLimit": {"N": "10"},
        },
    )
    sent.clear()

    from functions.triggers.authorizer import handler
    from local.lambda_runtime import LambdaContext

    context = LambdaContext("authorizer", "arn:aws:lambda:local:000000000000:function:authorizer",
                            memory_mb=256, timeout_seconds=10)
    event = {"type": "REQUEST", "methodArn": "arn:aws:execute-api:local:0:api/prod/GET/x",
             "headers": {"Authorization": "Bearer " + key}}
    answer = handler(event, context)
    print(json.dumps({"sent": sent, "context": answer["context"]}))
"""


def test_a_cold_authorizer_reads_and_counts_with_update_item_only() -> None:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'common' / 'python'}{os.pathsep}{REPO}"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["sent"] == ["UpdateItem", "UpdateItem"], "the count (no window yet), the window's start"
    context = answer["context"]
    assert (context["tenantId"], context["keyId"], context["rateLimit"], context["rateHits"]) == (
        "ten_cold",
        "key_cold",
        10,
        1,
    )
