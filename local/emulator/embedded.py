"""The embedded emulator of `cdp serve`: moto's ThreadedMotoServer on loopback, executing state
machines, with the adapters of this package installed."""

from __future__ import annotations

import logging
import os

from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from local import emulator

HOST = "127.0.0.1"


class EmbeddedEmulator:
    def __init__(self, port: int = 0) -> None:
        emulator.install()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per emulator request
        # Not lambda `use_docker: false`: that would bypass the Lambda adapter.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        self._server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)

    def start(self) -> str:
        """The endpoint, once it answers. State machines can be created after `enable_state_machines()`."""
        self._server.start()
        host, port = self._server.get_host_and_port()
        os.environ["MOTO_PORT"] = str(port)
        return f"http://{host}:{port}"

    @staticmethod
    def enable_state_machines() -> None:
        """The Step Functions definition adapter (about two seconds to import moto's interpreter)."""
        emulator.install_step_functions()

    def stop(self) -> None:
        self._server.stop()
