"""`Idempotency-Key` on POST and PATCH (Powertools idempotency, records in the same table).

The first successful (2xx) response is stored and replayed for 24 h with `Idempotent-Replayed: true`.
A key belongs to its caller (tenant, user and role), as the answer does: a replay skips the service
and its visibility checks, so the same key from another user of the tenant runs that user's request.
The same key with another request (path, query, content type or body bytes, as `http/endpoint.py`
fingerprints them): 422 `IDEMPOTENCY_KEY_REUSED`; while the first request still runs: 409.
Failed requests are not stored, so a client may retry them with the same key. The answer of a route
that shows a secret (`Route.seals_webhook_secrets`) is stored sealed (webhooks/sealing.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from contact_platform import errors
from contact_platform.errors import ApiError, Detail
from contact_platform.permissions import Caller

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
REPLAY_SECONDS = 24 * 3600

Response = dict[str, Any]


class _NotStored(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.get("statusCode"))
        self.response = response


def _mark_replayed(response: Any, idempotent_data: Any) -> Any:
    if SEALED not in response:  # a sealed one is marked once opened
        response.setdefault("headers", {})["Idempotent-Replayed"] = "true"
    return response


SEALED = "sealedAnswer"  # what a sealed answer is stored under


def key_of(headers: dict[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == HEADER:
            if not value or len(value) > MAX_KEY_LENGTH or not value.isprintable():
                raise errors.invalid([Detail("Idempotency-Key", f"1 to {MAX_KEY_LENGTH} printable characters")])
            return value
    return None


def run_once(
    caller: Caller,
    route_name: str,
    key: str,
    fingerprint: str,
    context: Any,
    compute: Callable[[], Response],
    *,
    sealed: bool = False,
) -> Response:
    """`compute()` once per key; imported only by requests that carry the header (a cold start of a
    route without it never loads Powertools' idempotency utility). `sealed`: the answer is stored
    sealed, and opened for a replay."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from contact_platform.store.idempotency import persistence_for

    config = IdempotencyConfig(
        event_key_jmespath="[route, caller, key]",
        payload_validation_jmespath="fingerprint",
        expires_after_seconds=REPLAY_SECONDS,
        response_hook=_mark_replayed,
    )
    config.register_lambda_context(context)  # in-progress records expire with the invocation

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", persistence_store=persistence_for(caller.tenant_id), config=config
    )
    def once(request: dict[str, Any]) -> Response:
        response = compute()
        if not 200 <= int(response["statusCode"]) < 300:
            raise _NotStored(response)
        if not sealed:
            return response
        fresh.append(response)
        from contact_platform.webhooks.sealing import seal_answer

        return {SEALED: seal_answer(json.dumps(response), caller.tenant_id, route_name, key)}

    fresh: list[Response] = []  # the answer computed now, which a sealed store does not give back
    try:
        who = f"{caller.user_id}#{caller.role}"
        replayed: Response = once(request={"route": route_name, "caller": who, "key": key, "fingerprint": fingerprint})
        if fresh:
            return fresh[0]
        if SEALED in replayed:
            from contact_platform.webhooks.sealing import opened_answer

            answer: Response = json.loads(opened_answer(replayed[SEALED], caller.tenant_id, route_name, key))
            answer.setdefault("headers", {})["Idempotent-Replayed"] = "true"
            return answer
        return replayed
    except _NotStored as not_stored:
        return not_stored.response
    except IdempotencyValidationError as error:
        raise ApiError(
            422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request", []
        ) from error
    except IdempotencyAlreadyInProgressError as error:
        raise errors.conflict("A request with this Idempotency-Key is still in progress") from error
