"""The figures of a run: a readable table for stdout and a JSON document for `--json`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.counting import Requests
from benchmarks.timing import Sample

SERVICES = ("dynamodb", "lambda")


@dataclass(frozen=True)
class Measured:
    sample: Sample
    requests: Requests


@dataclass(frozen=True)
class Operation:
    name: str
    api: Measured
    raw: Measured | None = None  # the bare DynamoDB equivalent, where there is one
    note: str = ""


@dataclass(frozen=True)
class SizeRun:
    size: int
    table_items: int  # in the whole table when this size started
    operations: list[Operation]
    transaction: Measured  # raw TransactWriteItems of what an API create writes, one at a time
    transaction_items: int


@dataclass(frozen=True)
class Transport:
    keep_alive: Sample
    fresh_connection: Sample


@dataclass(frozen=True)
class Report:
    concurrency: int
    emulator: str
    transport: Transport
    sizes: list[SizeRun]
    seconds: float


# Text ------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator else "-"


def _errors(measured: Measured | None) -> str:
    if measured is None or not measured.sample.errors:
        return ""
    return ", ".join(f"{count} x {label}" for label, count in measured.sample.errors.items())


def _timing_row(operation: Operation) -> str:
    api, raw = operation.api.sample, operation.raw.sample if operation.raw else None
    left = (
        f"  {operation.name:<30} {api.calls:>5} {api.wall:>8.2f} {api.per_second:>8.1f} "
        f"{_ms(api.percentile(50)):>8} {_ms(api.percentile(95)):>8}"
    )
    right = (
        f" | {raw.wall:>7.2f} {raw.per_second:>8.1f} {_ms(raw.percentile(50)):>7} {_ratio(api.wall, raw.wall):>8}"
        if raw
        else f" | {'-':>7} {'-':>8} {'-':>7} {'-':>8}"
    )
    errors = "; ".join(text for text in (_errors(operation.api), _errors(operation.raw)) if text)
    return (left + right + f"  {operation.note}" + (f"  ERRORS: {errors}" if errors else "")).rstrip()


def _requests_row(operation: Operation) -> str:
    calls = operation.api.sample.calls + operation.api.sample.errors.total()
    dynamodb = operation.api.requests.per_call(calls, "dynamodb")
    invokes = sum(operation.api.requests.per_call(calls, "lambda").values())
    detail = " + ".join(f"{count:.2f} {name}" for name, count in dynamodb.items())
    retries = operation.api.requests.retries + (operation.raw.requests.retries if operation.raw else 0)
    return f"  {operation.name:<30} {sum(dynamodb.values()):>6.2f} {invokes:>7.2f} {retries:>7}   {detail}"


def _size_section(run: SizeRun, concurrency: int) -> list[str]:
    return [
        f"N = {run.size} contacts (the table held {run.table_items} items when this size started)",
        f"  {'':<30} {'API':-^39} | {'raw boto3':-^24} {'API/raw':>8}",
        f"  {'operation':<30} {'calls':>5} {'wall s':>8} {'ops/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" | {'wall s':>7} {'ops/s':>8} {'p50 ms':>7} {'(wall)':>8}",
        *(_timing_row(operation) for operation in run.operations),
        f"  creates, gets, deletes: {concurrency} threads on both sides; list walks and searches: one call at a time",
        f"  raw TransactWriteItems of the {run.transaction_items} items an API create writes, one at a time: "
        f"p50 {_ms(run.transaction.sample.percentile(50))} ms",
        "",
        f"  {'AWS requests per API call':<30} {'DynamoDB':>6} {'Lambda':>7} {'retries':>7}   DynamoDB requests",
        *(_requests_row(operation) for operation in run.operations),
        "",
    ]


def _p50_ratio(large: Measured, small: Measured) -> str:
    return _ratio(large.sample.percentile(50), small.sample.percentile(50))


def _growth_row(name: str, at: str, large: Measured, small: Measured) -> str:
    return f"  {name:<30} {at} {_p50_ratio(large, small):>7}"


def _growth_section(sizes: list[SizeRun]) -> list[str]:
    """Each size against the smallest (the operations are the same at every size, in the same order)."""
    smallest = sizes[0]
    lines = []
    for run in sizes[1:]:
        at = f"p50 at {run.size} / at {smallest.size} ="
        lines.append(
            f"Growth: N = {run.size} against N = {smallest.size} "
            f"(table items {smallest.table_items} -> {run.table_items}), p50 latency per call"
        )
        for small, large in zip(smallest.operations, run.operations, strict=True):
            line = _growth_row(large.name, at, large.api, small.api)
            if small.raw and large.raw:
                line += f"   (raw {_p50_ratio(large.raw, small.raw)})"
            lines.append(line)
        lines += [_growth_row("raw TransactWriteItems", at, run.transaction, smallest.transaction), ""]
    return lines


def render(report: Report) -> str:
    transport = report.transport
    keep_alive, fresh = transport.keep_alive.percentile(50), transport.fresh_connection.percentile(50)
    lines = [
        f"contact-data-platform benchmark: local stack on {report.emulator}",
        f"GET /heartbeat (one Lambda invoke, no DynamoDB), p50: keep-alive {_ms(keep_alive)} ms, "
        f"new connection {_ms(fresh)} ms ({_ratio(keep_alive, fresh)})",
        "",
    ]
    for run in report.sizes:
        lines += _size_section(run, report.concurrency)
    lines += _growth_section(report.sizes)
    lines.append(f"Total {report.seconds:.0f} s. Figures are for comparison within this run, not absolute capacity.")
    return "\n".join(lines)


# JSON ------------------------------------------------------------------------------------------


def _sample_json(sample: Sample) -> dict[str, Any]:
    return {
        "calls": sample.calls,
        "wallSeconds": round(sample.wall, 4),
        "perSecond": round(sample.per_second, 2),
        "p50Ms": round(sample.percentile(50) * 1000, 2),
        "p95Ms": round(sample.percentile(95) * 1000, 2),
        "errors": dict(sample.errors),
    }


def _measured_json(measured: Measured) -> dict[str, Any]:
    calls = measured.sample.calls + measured.sample.errors.total()
    return _sample_json(measured.sample) | {
        "requestsPerCall": {service: measured.requests.per_call(calls, service) for service in SERVICES},
        "retries": measured.requests.retries,
    }


def _operation_json(operation: Operation) -> dict[str, Any]:
    raw = operation.raw
    return {
        "name": operation.name,
        "note": operation.note,
        "api": _measured_json(operation.api),
        "raw": _measured_json(raw) if raw else None,
        "apiToRawWall": round(operation.api.sample.wall / raw.sample.wall, 2) if raw and raw.sample.wall else None,
    }


def to_json(report: Report) -> dict[str, Any]:
    return {
        "emulator": report.emulator,
        "concurrency": report.concurrency,
        "seconds": round(report.seconds, 1),
        "heartbeat": {
            "keepAlive": _sample_json(report.transport.keep_alive),
            "freshConnection": _sample_json(report.transport.fresh_connection),
        },
        "sizes": [
            {
                "size": run.size,
                "tableItems": run.table_items,
                "operations": [_operation_json(operation) for operation in run.operations],
                "rawTransaction": {"items": run.transaction_items} | _measured_json(run.transaction),
            }
            for run in report.sizes
        ],
    }
