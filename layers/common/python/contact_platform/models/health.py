"""Health check."""

from __future__ import annotations

from typing import Literal

from contact_platform.models.base import Model


class Heartbeat(Model):
    status: Literal["ok"] = "ok"
    time: str
