"""The local stack's adapters: moto's Lambda running project handlers in-process, the gateway's events."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import boto3
import moto
import pytest

from local import moto_hooks
from local.gateway import Gateway


@pytest.fixture
def lambdas(aws: None) -> Iterator[object]:
    moto_hooks.install()
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("x.txt", "x")
    for name, handler in (
        ("echo", "tests.support.sample_handlers.echo"),
        ("fail", "tests.support.sample_handlers.fail"),
    ):
        client.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler=handler, Code={"ZipFile": code.getvalue()}
        )
    yield client


def test_hook_runs_the_handler_named_by_the_function(lambdas: object) -> None:
    answer = lambdas.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}).encode())  # type: ignore[attr-defined]
    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["event"] == {"a": 1} and result["function"] == "echo"
    assert 0 < result["remainingMs"] <= 3000


def test_a_raising_handler_is_an_unhandled_function_error(lambdas: object) -> None:
    answer = lambdas.invoke(FunctionName="fail", Payload=b"{}")  # type: ignore[attr-defined]
    assert answer["FunctionError"] == "Unhandled"
    payload = json.loads(answer["Payload"].read())
    assert payload["errorType"] == "Broken" and payload["errorMessage"] == "it broke"
    assert payload["stackTrace"]


def test_hook_refuses_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "0.0.1")
    with pytest.raises(RuntimeError, match=r"written for moto 5\.2\.5"):
        moto_hooks.install()


def test_gateway_builds_rest_api_proxy_events() -> None:
    event = Gateway.request_event(
        "POST",
        "/api/v1/contacts/con%201?tag=a&tag=b&limit=5",
        [("Content-Type", "application/json"), ("X-Multi", "1"), ("X-Multi", "2")],
        '{"name": "ä"}'.encode(),
        "198.51.100.7",
    )
    assert event["path"] == "/api/v1/contacts/con 1"
    assert event["queryStringParameters"] == {"tag": "b", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "limit": ["5"]}
    assert event["headers"]["X-Multi"] == "2" and event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["body"] == '{"name": "ä"}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"
    binary = Gateway.request_event("POST", "/x", [], b"\xff\x00", "::1")
    assert binary["isBase64Encoded"] is True and binary["body"] == "/wA="
