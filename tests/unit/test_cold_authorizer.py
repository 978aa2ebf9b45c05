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


JWT_SCRIPT = """
import json, sys

from botocore import handlers
from moto import mock_aws

sent = []
handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", lambda model, **_: sent.append(model.name)))

with mock_aws():
    import boto3
    from contact_platform.store.table import table_definition

    boto3.client("dynamodb").create_table(**table_definition())
    sent.clear()
    from functions.triggers.authorizer import handler
    from local.lambda_runtime import LambdaContext

    loaded_at_import = "jwt" in sys.modules
    context = LambdaContext("authorizer", "arn:aws:lambda:local:000000000000:function:authorizer",
                            memory_mb=512, timeout_seconds=10)
    event = {"type": "REQUEST", "methodArn": "arn:aws:execute-api:local:0:api/prod/GET/x",
             "headers": {"Authorization": "Bearer " + sys.argv[1]}}
    answer = handler(event, context)
    print(json.dumps({"sent": sent, "context": answer["context"], "jwt_at_import": loaded_at_import,
                      "jwt_after": "jwt" in sys.modules}))
"""


def test_a_cold_authorizers_first_bearer_token_counts_with_update_item_only() -> None:
    """PyJWT is loaded by the first token, not the import; the JWKS comes from its URL (here a
    `data:` URL), and the only DynamoDB requests make the subject's window and count in it."""
    from contact_platform import clock
    from tests.support import issuer

    now = clock.epoch(clock.now())
    token = issuer.sign(
        {"iss": issuer.ISSUER, "aud": issuer.AUDIENCE, "iat": now, "exp": now + 300, "cdp:tenant": "ten_cold"}
        | {"cdp:user": "usr_cold", "cdp:role": "user", "scope": "contacts:read apikeys:manage"}
    )
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'common' / 'python'}{os.pathsep}{REPO}"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", JWT_SCRIPT, token], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["sent"] == ["UpdateItem", "UpdateItem"], "the count (no window item yet), the window's start"
    assert (answer["jwt_at_import"], answer["jwt_after"]) == (False, True)
    context = answer["context"]
    assert (context["tenantId"], context["userId"], context["role"], context["keyId"]) == (
        "ten_cold",
        "usr_cold",
        "user",
        "",
    )
    assert context["scopes"] == "contacts:read" and context["rateHits"] == 1
