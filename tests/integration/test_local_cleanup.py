"""The cleanup schedule of the local stack: the timer standing in for EventBridge, and `cdp cleanup`."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from moto.core.config import default_user_config

from local import cli
from local.emulator.embedded import EmbeddedEmulator
from local.lambda_runtime import lambda_invoker
from local.resources import REGION
from local.timer import CleanupTimer, scheduled_event
from tests.support import sample_handlers
from tests.support.lambdas import register_function

EVENT_FIELDS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


def _wait_until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def recorded() -> Iterator[list[dict[str, Any]]]:
    sample_handlers.RECORDED.clear()
    yield sample_handlers.RECORDED
    sample_handlers.RECORDED.clear()


def _assert_scheduled_event(event: dict[str, Any], moment: datetime | None = None) -> None:
    assert set(event) == EVENT_FIELDS
    assert (event["version"], event["detail-type"], event["source"]) == ("0", "Scheduled Event", "aws.events")
    assert (event["region"], event["resources"], event["detail"]) == (REGION, [], {})
    when = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if moment is None:
        assert abs((datetime.now(UTC) - when).total_seconds()) < 60
    else:
        assert when == moment


def test_the_cleanup_timer_invokes_its_function_through_lambda_with_scheduled_events(
    aws: None, recorded: list[dict[str, Any]]
) -> None:
    lambdas = register_function("recorder", "tests.support.sample_handlers.record")
    timer = CleanupTimer(lambda_invoker(lambdas), "recorder", interval=0.05)
    timer.start()
    try:
        _wait_until(lambda: len(recorded) >= 3)
    finally:
        timer.stop()
    fired = len(recorded)
    time.sleep(0.2)
    assert len(recorded) == fired, "no cleanup after stop()"
    for event in recorded:
        _assert_scheduled_event(event)
    assert len({event["id"] for event in recorded}) == fired


def test_a_failing_cleanup_is_logged_and_the_timer_goes_on(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    lambdas = register_function("broken", "tests.support.sample_handlers.fail")
    timer = CleanupTimer(lambda_invoker(lambdas), "broken", interval=0.05)
    with caplog.at_level(logging.ERROR, logger="cdp.stack"):
        timer.start()
        try:
            _wait_until(lambda: sum("broken failed: Broken: it broke" in r.getMessage() for r in caplog.records) >= 2)
        finally:
            timer.stop()


def test_the_timer_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        CleanupTimer(lambda function, event: ({}, False), "cdp-cleanup", interval=0)


def test_scheduled_event_time_is_utc_to_the_second() -> None:
    moment = datetime.fromisoformat("2025-08-12T10:41:45.427+02:00")
    event = scheduled_event(moment)
    assert event["time"] == "2025-08-12T08:41:45Z"
    _assert_scheduled_event(event, moment.replace(microsecond=0))


# `cdp cleanup` and `cdp serve --cleanup-interval` --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2025-08-12T08:41:45Z", datetime(2025, 8, 12, 8, 41, 45, tzinfo=UTC)),
        ("2025-08-12T08:41:45.427Z", datetime(2025, 8, 12, 8, 41, 45, 427000, tzinfo=UTC)),
        ("2025-08-12", datetime(2025, 8, 12, tzinfo=UTC)),
        ("2025-08-12T10:41:45+02:00", datetime(2025, 8, 12, 8, 41, 45, tzinfo=UTC)),
    ],
)
def test_cdp_cleanup_now_takes_an_iso_date(text: str, moment: datetime) -> None:
    assert cli.parser().parse_args(["cleanup", "--now", text]).now == moment


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "12.08.2025", ""])
def test_cdp_cleanup_refuses_what_is_not_an_iso_date(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["cleanup", "--now", text])
    assert exit.value.code == 2
    assert f"argument --now: not an ISO 8601 date or date-time: {text!r}" in capsys.readouterr().err


def test_cdp_serve_cleanup_interval(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.parser().parse_args(["serve"]).cleanup_interval == 3600
    assert cli.parser().parse_args(["serve", "--cleanup-interval", "0"]).cleanup_interval == 0
    assert cli.parser().parse_args(["serve", "--cleanup-interval", "2.5"]).cleanup_interval == 2.5
    for text in ("-1", "soon", "inf", "nan"):
        with pytest.raises(SystemExit) as exit:
            cli.parser().parse_args(["serve", "--cleanup-interval", text])
        assert exit.value.code == 2
        assert f"argument --cleanup-interval: not a number of seconds (0 or more): {text!r}" in capsys.readouterr().err


def test_cdp_cleanup_without_a_running_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        cli.main(["cleanup"])
    assert "no local stack found; start `cdp serve` first or pass --aws-endpoint URL" in str(exit.value.code)


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The emulator `cdp serve` runs, in this process, whose endpoint `.cdp/local.json` names."""
    # The emulator sets MOTO_PORT and moto's Step Functions config, `cdp cleanup` the local stack's environment.
    with mock.patch.dict(os.environ), mock.patch.dict(default_user_config):
        server = EmbeddedEmulator(port=0)
        endpoint = server.start()
        monkeypatch.chdir(tmp_path)
        (tmp_path / ".cdp").mkdir()
        (tmp_path / ".cdp" / "local.json").write_text(json.dumps({"awsEndpoint": endpoint}))
        try:
            yield endpoint
        finally:
            server.stop()


def test_cdp_cleanup_invokes_the_running_stacks_cleanup_function(
    emulator: str, recorded: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    lambdas = register_function("cdp-cleanup", "tests.support.sample_handlers.record", emulator)
    with pytest.raises(SystemExit) as exit:
        cli.main(["cleanup", "--now", "2025-08-12T08:41:45Z"])
    assert exit.value.code == 0
    assert json.loads(capsys.readouterr().out) == {"recorded": 1}
    [event] = recorded
    _assert_scheduled_event(event, datetime(2025, 8, 12, 8, 41, 45, tzinfo=UTC))

    lambdas.update_function_configuration(FunctionName="cdp-cleanup", Handler="tests.support.sample_handlers.fail")
    with pytest.raises(SystemExit) as exit:
        cli.main(["cleanup"])
    assert exit.value.code == 1
    assert "cdp cleanup: cdp-cleanup failed: Broken: it broke" in capsys.readouterr().err
