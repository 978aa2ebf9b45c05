"""The local API gateway: real HTTP in, API Gateway REST (v1) proxy events out.

For each request it matches the route table, runs the authorizer function for non-public routes
(401 on `Unauthorized`, as API Gateway does), invokes the route's own function with the authorizer
context and writes its proxy response back. `/docs` serves Swagger UI (assets bundled with
Powertools, no CDN) and `/openapi.json` the document built from the same route table.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from contact_platform.config import settings
from contact_platform.errors import ApiError, authentication_failed, payload_too_large
from contact_platform.http.envelope import error_response
from contact_platform.http.request import begin
from contact_platform.route import Route
from contact_platform.routes import UNKNOWN_PATH, match, methods_at, public_path, resource_of
from local.lambda_runtime import Invoke
from local.resources import UNROUTED_NAME

log = logging.getLogger("cdp.gateway")
API_GATEWAY_BODY_LIMIT = 10 * 1024 * 1024
# Found without importing Powertools' OpenAPI package (slow to import, not needed otherwise).
_POWERTOOLS = importlib.util.find_spec("aws_lambda_powertools")
SWAGGER_ASSETS = Path(str(_POWERTOOLS and _POWERTOOLS.origin)).parent / "event_handler" / "openapi" / "swagger_ui"
ASSET_TYPES = {".js": "application/javascript", ".css": "text/css"}
DOCS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>contact-data-platform API</title>
<link rel="stylesheet" href="/docs/swagger-ui.min.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.min.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});</script>
</body></html>"""


def request_target(line: str) -> str:
    """The request line's target as the client sent it. http.server reads the line as Latin-1, so a
    client that sends UTF-8 unescaped (curl does for `?search=mül`) would have its query read as
    `mÃ¼l`; its bytes are read as UTF-8 instead, as their percent-escaped form would be."""
    try:
        return line.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return line


def access_line(method: str, target: str, status: int, request_id: str, started: float) -> str:
    """`14:03:07 POST /api/v1/contacts 201 12 ms req_5f0c...`: one request answered (`cdp serve`)."""
    took = (time.perf_counter() - started) * 1000
    return f"{time.strftime('%H:%M:%S')} {method} {target} {status} {took:.0f} ms {request_id}".rstrip()


class FunctionError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", "function error"))
        self.payload = payload


class Gateway:
    """`functions`: route name (and "authorizer") -> function name; `prepare(route)` runs before a
    route's request is dispatched (the local stack waits there for what the route needs);
    `access_log`, when given, receives a line for every request answered over HTTP."""

    def __init__(
        self,
        invoke: Invoke,
        functions: dict[str, str],
        openapi: Callable[[], dict[str, Any]],
        prepare: Callable[[Route], None] = lambda route: None,
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        self.invoke = invoke
        self.functions = functions
        self.openapi = openapi
        self.prepare = prepare
        self.access_log = access_log

    # Events ----------------------------------------------------------------------------------------

    @staticmethod
    def request_event(
        method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> dict[str, Any]:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            multi_headers.setdefault(name, []).append(value)
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        return {
            "path": unquote(parts.path),
            "httpMethod": method,
            "headers": {name: values[-1] for name, values in multi_headers.items()},
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": None,
            "stageVariables": None,
            "body": text if body else None,
            "isBase64Encoded": encoded,
            "requestContext": {
                "stage": "local",
                "httpMethod": method,
                "path": parts.path,
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "apiId": "local",
                "identity": {"sourceIp": source_ip, "userAgent": dict(headers).get("User-Agent")},
            },
        }

    def _authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        request = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:local:000000000000:local/local/{event['httpMethod']}{event['path']}",
            **{k: event[k] for k in ("resource", "path", "httpMethod", "headers", "multiValueHeaders")},
            "queryStringParameters": event["queryStringParameters"],
            "requestContext": event["requestContext"],
        }
        policy, errored = self.invoke(self.functions["authorizer"], request)
        if errored:
            if policy.get("errorMessage") == "Unauthorized":
                raise authentication_failed()
            raise FunctionError(policy)
        statement = policy["policyDocument"]["Statement"][0]
        if statement["Effect"] != "Allow":
            raise ApiError(403, "INSUFFICIENT_PERMISSIONS", "User is not authorized to access this resource")
        return {**policy.get("context", {}), "principalId": policy.get("principalId")}

    def _unrouted(self, event: dict[str, Any]) -> dict[str, Any]:
        """A request no route takes, to the function AWS calls for it (infra/unrouted.py): a path the
        API has but not with this method (the key checked first, unless the path is public), or a
        path it does not have (`/{proxy+}`, public)."""
        resource = resource_of(event["path"])
        if resource is None or not methods_at(resource, dev_mode=settings().dev_mode):
            resource = UNKNOWN_PATH
        event["resource"] = event["requestContext"]["resourcePath"] = resource
        if resource != UNKNOWN_PATH and not public_path(resource):
            event["requestContext"]["authorizer"] = self._authorize(event)
        return self._call(UNROUTED_NAME, event)

    def _call(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        """The answer of the function the gateway calls by `name` (a route's, or `unrouted`)."""
        response, errored = self.invoke(self.functions[name], event)
        if errored:
            raise FunctionError(response)
        return response

    def handle(self, event: dict[str, Any], body_size: int) -> dict[str, Any]:
        """A proxy response for a request event (errors the gateway itself raises included)."""
        begin("req_" + event["requestContext"]["requestId"].replace("-", ""))
        try:
            if body_size > API_GATEWAY_BODY_LIMIT:
                raise payload_too_large(API_GATEWAY_BODY_LIMIT)
            found = match(event["httpMethod"], event["path"])
            if found is not None and found[0].dev_only and not settings().dev_mode:
                found = None  # not deployed outside dev mode (infra/api.py)
            if found is None:
                return self._unrouted(event)
            route, params = found
            self.prepare(route)
            event |= {"resource": route.path, "pathParameters": params or None}
            event["requestContext"]["resourcePath"] = route.path
            if not route.public:
                event["requestContext"]["authorizer"] = self._authorize(event)
            return self._call(route.name, event)
        except ApiError as error:
            return error_response(error)
        except FunctionError as failure:
            log.error("function failed: %s: %s", failure.payload.get("errorType"), failure.payload.get("errorMessage"))
            return error_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"))

    # HTTP ------------------------------------------------------------------------------------------

    def server(self, host: str, port: int) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "cdp-local-gateway"
            # Headers and body leave in two writes; with Nagle's algorithm the second waits for the
            # client's delayed ACK, about 40 ms on every keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self._answered = (status, headers.get("X-Request-Id", ""))
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                if status != 304:  # a 304 has no body, and its length would be the 200's (RFC 9110 8.6)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _static(self) -> bool:
                path = urlsplit(self.path).path
                if self.command != "GET":
                    return False
                if path in ("/docs", "/docs/"):
                    self._send(200, {"Content-Type": "text/html; charset=utf-8"}, DOCS_PAGE.encode())
                elif path == "/openapi.json":
                    self._send(200, {"Content-Type": "application/json"}, json.dumps(gateway.openapi()).encode())
                elif path.startswith("/docs/") and (SWAGGER_ASSETS / path.removeprefix("/docs/")).is_file():
                    asset = SWAGGER_ASSETS / path.removeprefix("/docs/")
                    self._send(200, {"Content-Type": ASSET_TYPES.get(asset.suffix, "text/plain")}, asset.read_bytes())
                else:
                    return False
                return True

            def _dispatch(self) -> None:
                started = time.perf_counter()
                try:
                    self._answer()
                except Exception:
                    log.exception("gateway error on %s %s", self.command, self.path)
                    failure = error_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"))
                    self._send(500, failure["headers"], failure["body"].encode())
                if gateway.access_log is not None:
                    gateway.access_log(access_line(self.command, request_target(self.path), *self._answered, started))

            def _answer(self) -> None:
                if self._static():
                    return
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if 0 < size <= API_GATEWAY_BODY_LIMIT else b""
                if size > API_GATEWAY_BODY_LIMIT:
                    self.close_connection = True
                event = gateway.request_event(
                    self.command, request_target(self.path), list(self.headers.items()), body, self.client_address[0]
                )
                response = gateway.handle(event, size)
                headers = {name: ", ".join(v) for name, v in (response.get("multiValueHeaders") or {}).items()}
                headers |= response.get("headers") or {}
                raw = response.get("body") or ""
                payload = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
                self._send(int(response["statusCode"]), headers, payload)

            def __getattr__(self, name: str) -> Any:
                """Every HTTP method goes through the route table (unknown ones end as 404, like API Gateway)."""
                if name.startswith("do_"):
                    return self._dispatch
                raise AttributeError(name)

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        return server
