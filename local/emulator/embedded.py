"""The embedded emulator of `cdp serve`: moto's WSGI app on loopback, executing state machines, with
the adapters of this package installed, served by cheroot instead of moto's ThreadedMotoServer.

ThreadedMotoServer runs werkzeug's development server, which answers every request with
`Connection: close`: each AWS call of a handler opened a new TCP connection and the server started a
thread for it, about a quarter of a sequential raw `GetItem`'s time (benchmarks/README.md).
Keeping connections takes more than a keep-alive request handler: after each answer werkzeug reads
whatever the socket holds until it is quiet, which swallows the next request of a kept connection.
cheroot (CherryPy's WSGI server) keeps HTTP/1.1 connections, reads a request body no further than
its length, and hands a connection to a worker thread only while it has a request, idle ones
waiting in one selector.

What ThreadedMotoServer serves is kept as it is: `DomainDispatcherApplication(create_backend_app)`,
moto's dispatcher to one Flask app per service, each with CORS unless `DISABLE_GLOBAL_CORS`, and
the `/moto-api` routes (reset, state, dashboard). Around it, `_Gateway` builds the WSGI environ
the way moto's werkzeug request handler (`MotoRequestHandler`) does, and `_Workers` grows the
thread pool so that no request waits for a free worker (see there).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from cheroot import wsgi
from cheroot.workers import threadpool
from moto.core.config import default_user_config
from moto.core.request import (
    PRESERVED_HEADER_NAMES_ENVIRON_KEY,
    environ_key_for_header,
    should_preserve_original_header_name,
)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local import emulator

HOST = "127.0.0.1"
log = logging.getLogger(__name__)
WORKERS = 8  # started with the server; more when every one is busy (`_Workers`)
IDLE_CONNECTION_SECONDS = 60  # a kept connection with no request for this long is closed
# With this many kept connections waiting for their next request, an answer says `Connection: close`
# (cheroot's default is 10, fewer than the clients of the handlers and of Step Functions keep).
KEPT_CONNECTIONS = 256
STOP_SECONDS = 1  # how long `stop()` waits for requests under way before closing their sockets


class _Workers(threadpool.ThreadPool):
    """cheroot's thread pool, one worker more whenever a connection comes in and no worker is free.

    A fixed pool could deadlock: a request may wait for other requests. A Lambda `Invoke` holds its
    worker while the handler runs in this process (awslambda.py) and calls back into the emulator,
    and a Step Functions Map invokes up to its MaxConcurrency functions at once, each of which
    waits for the function's one warm instance (local/lambda_runtime.py). werkzeug started a thread
    per connection; here the threads stay for the next requests (the pool never shrinks).

    `_free` is the workers waiting for a connection less the connections queued for them: a worker
    counts itself in `get()` before it waits, and `put()` takes one out or grows the pool by one.
    """

    def __init__(self, server: Any, workers: int) -> None:
        super().__init__(server, min=workers)
        self._lock = threading.Lock()
        self._free = 0
        self._next = self.get  # the queue's own get(), which the pool's workers call
        self.get = self._get

    def _get(self) -> Any:
        with self._lock:
            self._free += 1
        return self._next()

    def put(self, obj: Any) -> None:
        with self._lock:
            self._free -= 1
            grow = self._free < 0
        if grow:
            self.grow(1)
        super().put(obj)

    def stop(self, timeout: int = STOP_SECONDS) -> None:
        """cheroot's, but no longer than `timeout`: past it, cheroot closes the socket of a request
        under way and then waits for its thread with no end, and a Lambda invoke running a long job
        step would hold `cdp serve` on Ctrl-C. The workers are daemon threads: one still running
        ends with its request or with the process."""
        stopping = threading.Thread(target=super().stop, args=(timeout,), name="cdp-emulator-stop", daemon=True)
        stopping.start()
        stopping.join(timeout)


class _Gateway(wsgi.Gateway_10):
    """The environ of moto's werkzeug server (werkzeug `WSGIRequestHandler.make_environ` as moto's
    `MotoRequestHandler` extends it), not cheroot's, where they differ for moto:

    - `PATH_INFO` is decoded as a whole: cheroot leaves `%2F` encoded, werkzeug decodes it (moto
      matches S3 keys against `RAW_URI`, the request target as sent, which werkzeug also sets);
    - a header with an underscore in its name is dropped (werkzeug: `X_Foo` would pass for
      `X-Foo`), except S3 user metadata (`x-amz-meta-my_key`), whose name moto then reads from
      `PRESERVED_HEADER_NAMES_ENVIRON_KEY`, underscores and all (cheroot title-cases header names,
      as werkzeug's request headers do; S3 lowercases metadata keys).
    """

    def get_environ(self) -> Any:  # cheroot's stubs say None
        environ: dict[str, Any] = super().get_environ()  # type: ignore[no-untyped-call]
        target = environ["REQUEST_URI"]
        environ["RAW_URI"] = target
        url = urlsplit(target)
        path = f"/{url.netloc}{url.path}" if url.netloc and not url.scheme else url.path
        environ["PATH_INFO"] = unquote(path).encode().decode("latin-1")

        for key in [key for key in environ if key.startswith("HTTP_")]:
            del environ[key]
        environ.pop("CONTENT_TYPE", None)
        environ.pop("CONTENT_LENGTH", None)
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.req.inheaders.items()]
        dashed = {environ_key_for_header(name) for name, _ in headers if "_" not in name}
        names: dict[str, str] = {}
        for name, value in headers:
            if "_" in name and not should_preserve_original_header_name(name):
                continue
            key = environ_key_for_header(name)
            if "_" in name:
                if key in dashed:  # never let an underscored header stand in for a dashed one
                    continue
                names.setdefault(key, name)
            environ[key] = value
        environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = names
        if url.scheme and url.netloc:  # an absolute request target names the host
            environ["HTTP_HOST"] = url.netloc
        return environ


class _Server(wsgi.Server):
    def __init__(self, port: int) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        super().__init__((HOST, port), app, timeout=IDLE_CONNECTION_SECONDS, shutdown_timeout=STOP_SECONDS)
        self.gateway = _Gateway
        self.requests = _Workers(self, WORKERS)
        self.keep_alive_conn_limit = KEPT_CONNECTIONS

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        """To logging, not stderr: a client that drops a kept connection is no news (INFO)."""
        log.log(level, msg, exc_info=traceback)


class EmbeddedEmulator:
    def __init__(self, port: int = 0) -> None:
        emulator.install()
        # Not lambda `use_docker: false`: that would bypass the Lambda adapter.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        self._server = _Server(port)
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """The endpoint, once it answers (OSError if the port is taken). State machines can be
        created after `enable_state_machines()`."""
        prepared = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            # In a daemon thread, so are the workers and the selector (cheroot starts them from here):
            # like ThreadedMotoServer's, they never keep the process from exiting.
            try:
                self._server.prepare()
            except BaseException as error:
                failure.append(error)
                return
            finally:
                prepared.set()
            self._server.serve()

        self._thread = threading.Thread(target=serve, name="cdp-emulator", daemon=True)
        self._thread.start()
        prepared.wait()
        if failure:
            raise failure[0]
        host, port = self._server.bind_addr[:2]
        os.environ["MOTO_PORT"] = str(port)  # Step Functions calls Lambda on localhost:MOTO_PORT
        return f"http://{host}:{port}"

    @staticmethod
    def enable_state_machines() -> None:
        """The Step Functions definition adapter (about two seconds to import moto's interpreter)."""
        emulator.install_step_functions()

    def stop(self) -> None:
        """Closes the listening socket and every kept connection; waits `STOP_SECONDS` at most for
        requests under way."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
