"""The response envelope of every route (docs/architecture.md, API conventions), as models so OpenAPI
documents it. Only the document needs them: handlers return their data, and `http/endpoint.py` writes
the envelope around it."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import Field

from contact_platform.models.base import Model

T = TypeVar("T")


class Pagination(Model):
    nextCursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
    limit: int


class Meta(Model):
    requestId: str = Field(examples=["req_1754988105427_hcx2vc"])
    timestamp: str = Field(examples=["2025-08-12T08:41:45.427Z"])
    version: Literal["v1"] = "v1"


class ListMeta(Meta):
    pagination: Pagination


class Envelope(Model, Generic[T]):
    success: Literal[True] = True
    data: T
    meta: Meta


class ListEnvelope(Model, Generic[T]):
    success: Literal[True] = True
    data: list[T]
    meta: ListMeta


class ErrorDetail(Model):
    field: str
    issue: str


class ErrorBody(Model):
    code: str = Field(examples=["RESOURCE_NOT_FOUND"])
    message: str = Field(examples=["Contact not found"])
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(Model):
    success: Literal[False] = False
    error: ErrorBody
    meta: Meta
