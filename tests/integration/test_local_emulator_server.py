"""The embedded emulator's HTTP server (local/emulator/embedded.py): kept connections, S3 presigned
URLs, concurrent requests, requests that wait for others, and a port free again after `stop()`."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from unittest import mock

import boto3
import pytest
import requests
from botocore.config import Config
from moto.core.config import default_user_config

from local.emulator.embedded import STOP_SECONDS, WORKERS, EmbeddedEmulator
from tests.support import sample_handlers
from tests.support.lambdas import register_function

REGION = "eu-central-1"
TABLE = "emulator-server"


def _reset(endpoint: str) -> None:
    """moto's reset, through its `/moto-api` routes: the emulator's state lives in this process."""
    assert requests.post(f"{endpoint}/moto-api/reset", timeout=5).status_code == 200


@contextmanager
def _restored() -> Iterator[None]:
    """What the emulator sets for the whole process: MOTO_PORT and moto's Step Functions config."""
    with mock.patch.dict(os.environ), mock.patch.dict(default_user_config):
        yield


@pytest.fixture
def endpoint() -> Iterator[str]:
    with _restored():
        emulator = EmbeddedEmulator(port=0)
        endpoint = emulator.start()
        try:
            _reset(endpoint)
            yield endpoint
            _reset(endpoint)
        finally:
            emulator.stop()


def _dynamodb(endpoint: str, **config: Any) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION, config=Config(**config))


def _table(endpoint: str) -> Any:
    client = _dynamodb(endpoint, max_pool_connections=16)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


class _CountingProxy:
    """A TCP relay to the emulator that counts the connections it accepts (one emulator connection each)."""

    def __init__(self, endpoint: str) -> None:
        self._target = ("127.0.0.1", int(endpoint.rsplit(":", 1)[1]))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        self.endpoint = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self._target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._relay, args=(source, sink), daemon=True).start()

    @staticmethod
    def _relay(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)  # the other side's close, passed on
        except OSError:
            pass

    def close(self) -> None:
        self._listener.close()


def test_a_clients_requests_share_one_connection(endpoint: str) -> None:
    _table(endpoint)
    proxy = _CountingProxy(endpoint)
    try:
        client = _dynamodb(proxy.endpoint)
        for index in range(5):
            client.put_item(TableName=TABLE, Item={"PK": {"S": f"k{index}"}, "n": {"N": str(index)}})
            answer = client.get_item(TableName=TABLE, Key={"PK": {"S": f"k{index}"}})
            assert answer["Item"]["n"] == {"N": str(index)}
            assert "connection" not in answer["ResponseMetadata"]["HTTPHeaders"]  # werkzeug said `close`
        assert proxy.accepted == 1
    finally:
        proxy.close()


def test_presigned_urls_put_and_get_a_file(endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    s3.create_bucket(Bucket="uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
    key = "tenant/upload 1/contacts.csv"  # a slash and a space: the path as S3 reads it
    body = b"name,email\nAda,ada@example.com\n"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "uploads", "Key": key}, ExpiresIn=60)
    with requests.Session() as session:  # one kept connection for both, as a browser would
        assert session.put(put_url, data=body, timeout=5).status_code == 200
        get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "uploads", "Key": key}, ExpiresIn=60)
        answer = session.get(get_url, timeout=5)
    assert answer.status_code == 200 and answer.content == body
    assert s3.get_object(Bucket="uploads", Key=key)["Body"].read() == body


def test_s3_metadata_keeps_underscores(endpoint: str) -> None:
    """moto's own server keeps the name of an `x-amz-meta-` header with an underscore; so does this one."""
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    s3.create_bucket(Bucket="meta", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="meta", Key="k", Body=b"x", Metadata={"row_count": "3", "job-id": "j1"})
    assert s3.head_object(Bucket="meta", Key="k")["Metadata"] == {"row_count": "3", "job-id": "j1"}


def test_concurrent_requests_all_succeed(endpoint: str) -> None:
    client = _table(endpoint)

    def writes_and_reads(thread: int) -> int:
        for index in range(10):
            key = {"PK": {"S": f"t{thread}#{index}"}}
            client.put_item(TableName=TABLE, Item=key | {"thread": {"N": str(thread)}})
            assert client.get_item(TableName=TABLE, Key=key)["Item"]["thread"] == {"N": str(thread)}
        return thread

    with ThreadPoolExecutor(max_workers=8) as threads:
        assert sorted(threads.map(writes_and_reads, range(8))) == list(range(8))
    assert client.scan(TableName=TABLE, Select="COUNT")["Count"] == 80


def _function(endpoint: str, name: str, handler: str, **config: Any) -> Any:
    """A Lambda function running `handler` in this process; its client, which never retries."""
    return register_function(name, handler, endpoint, **({"retries": {"max_attempts": 1}} | config))


def test_requests_that_wait_for_others_do_not_deadlock(endpoint: str) -> None:
    """More concurrent Lambda invokes than the server starts workers with: each holds a worker while
    it waits for the function's one instance, and the running handler calls back into the emulator."""
    invokes = 2 * WORKERS
    handler = "tests.support.sample_handlers.call_back"
    lambdas = _function(endpoint, "call-back", handler, max_pool_connections=invokes, read_timeout=20)

    def invoke(_: int) -> dict[str, Any]:
        answer = lambdas.invoke(FunctionName="call-back", Payload=json.dumps({"endpoint": endpoint}).encode())
        assert "FunctionError" not in answer
        result: dict[str, Any] = json.loads(answer["Payload"].read())
        return result

    with ThreadPoolExecutor(max_workers=invokes) as threads:
        assert list(threads.map(invoke, range(invokes))) == [{"tables": 0}] * invokes


def test_stop_does_not_wait_for_a_long_request() -> None:
    """A Lambda invoke of a long job step must not hold `cdp serve` when it stops."""
    sample_handlers.RUNNING.clear()
    sample_handlers.RELEASE.clear()
    with _restored(), ThreadPoolExecutor(max_workers=1) as invoking:
        emulator = EmbeddedEmulator(port=0)
        endpoint = emulator.start()
        try:
            _reset(endpoint)
            lambdas = _function(endpoint, "long", "tests.support.sample_handlers.wait_for_release")
            invoking.submit(lambdas.invoke, FunctionName="long", Payload=b'{"seconds": 30}')
            assert sample_handlers.RUNNING.wait(5)
            started = time.monotonic()
            emulator.stop()
            assert time.monotonic() - started < STOP_SECONDS + 2
        finally:
            sample_handlers.RELEASE.set()


def test_stop_frees_the_port() -> None:
    """On a port chosen beforehand, as `cdp serve` starts it (local/stack.py): cheroot lets such a port
    be bound again while the closed connections of the last server linger (not a port of 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with _restored():
        emulator = EmbeddedEmulator(port=port)
        endpoint = emulator.start()
        _reset(endpoint)
        client = _dynamodb(endpoint)
        assert client.list_tables()["TableNames"] == []  # and the connection is kept
        started = time.monotonic()
        emulator.stop()
        assert time.monotonic() - started < 2
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

        again = EmbeddedEmulator(port=port)
        try:
            assert again.start() == endpoint
            assert client.list_tables()["TableNames"] == []  # the kept connection was closed: a new one
        finally:
            again.stop()
