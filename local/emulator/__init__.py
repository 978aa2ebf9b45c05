"""Adapters that make moto fit the local stack (docs/architecture.md, Local stack), one module per
patched part of moto, each written against and checked with moto 5.2.5 (MOTO_VERSION):

- `awslambda`: moto would run functions in Docker; the adapter runs them in this process
  (local/lambda_runtime.py) and reports errors as Lambda does.
- `dynamodb_transactions`: a cancelled TransactWriteItems puts back only the items it touched
  instead of deep-copying the whole table per item.
- `dynamodb_queries`: a Query reads its partition (of the table, or of an index grouping) instead
  of sorting and filtering the whole table.
- `dynamodb_projection`: a projection of top-level attributes copies just those, not the whole item
  once per attribute.
- `dynamodb_items`: a new item's 400 KB check sums its size once instead of once per attribute.
- `dynamodb_serial`: DynamoDB requests are handled one at a time (moto's backend is not thread-safe).
- `dynamodb_streams`: stream records are kept for 24 hours and up to a maximum count, not forever,
  and measured only when read; shard iterators expire after 15 minutes.
- `dynamodb_parse`: a request's attribute values are parsed directly, not member by member against
  the service model.
- `dynamodb_reads`: Query, Scan, GetItem and BatchGetItem answers are written with `json.dumps`.
- `dynamodb_expressions`: a condition or update expression is parsed once, not twice per request
  and again for every request that sends it.
- `kms`: a key's RSA key pair is made when first used, not for every key (symmetric ones included).
- `responses_reflection`: a response class's methods are listed once, not on every request.
- `server`: moto's server lists its package directory once, not on every request.
- `stepfunctions`: drops the interpreter's expected noise, and (`install_step_functions()`) lets
  `ToleratedFailurePercentage` be an integer as AWS does.
- `embedded`: the emulator `cdp serve` runs, with the adapters installed: the WSGI app of moto's
  ThreadedMotoServer, served by cheroot instead of werkzeug's development server, which closed
  every connection after one answer (a new TCP connection and thread for each AWS call); cheroot
  keeps them, with a thread pool that grows so a request that waits for others never deadlocks.

Nothing here is imported with `cdp serve --aws-endpoint`: handlers then run on an unpatched process.
`install()` and `install_step_functions()` refuse any other moto version; both may run again.
"""

from __future__ import annotations

import moto

MOTO_VERSION = "5.2.5"
INSTALLED: set[str] = set()  # the adapters installed in this process, by module name


def _check_version() -> None:
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"local/emulator/ is written for moto {MOTO_VERSION}, found {moto.__version__}")


def install() -> None:
    """Every adapter but the Step Functions definition one (importing moto's interpreter is slow)."""
    _check_version()
    from local.emulator import (
        awslambda,
        dynamodb_expressions,
        dynamodb_items,
        dynamodb_parse,
        dynamodb_projection,
        dynamodb_queries,
        dynamodb_reads,
        dynamodb_serial,
        dynamodb_streams,
        dynamodb_transactions,
        kms,
        responses_reflection,
        server,
        stepfunctions,
    )

    for adapter in (
        awslambda,
        dynamodb_transactions,
        dynamodb_queries,
        dynamodb_projection,
        dynamodb_items,
        dynamodb_parse,
        dynamodb_reads,
        dynamodb_serial,
        dynamodb_streams,
        dynamodb_expressions,
        kms,
        responses_reflection,
        server,
        stepfunctions,
    ):
        adapter.install()
        INSTALLED.add(adapter.__name__)


def install_step_functions() -> None:
    """`install()`, and the adapter for executing state machines: about two seconds to import."""
    install()
    from local.emulator import stepfunctions

    stepfunctions.install_definitions()
    INSTALLED.add(f"{stepfunctions.__name__}.definitions")
