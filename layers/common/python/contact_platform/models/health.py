"""Health check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Heartbeat(BaseModel):
    status: Literal["ok"] = "ok"
    time: str
