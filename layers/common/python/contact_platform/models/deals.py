"""The bodies of the deal actions (`POST /deals/{dealId}/won`, `/lost`); the deal itself is derived
from its declaration (`entities/deals.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from contact_platform.models.base import Model
from contact_platform.models.fields import text


class DealLost(Model):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    lostReason: Annotated[text(500) | None, Field(description="Why the deal was lost.")] = None  # type: ignore[valid-type]
