"""The response envelope of every route (docs/architecture.md, API conventions), as models so OpenAPI documents it."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Pagination(BaseModel):
    nextCursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
    limit: int


class Meta(BaseModel):
    requestId: str = Field(examples=["req_1754988105427_hcx2vc"])
    timestamp: str = Field(examples=["2025-08-12T08:41:45.427Z"])
    version: Literal["v1"] = "v1"


class ListMeta(Meta):
    pagination: Pagination


class Envelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T
    meta: Meta


class ListEnvelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: list[T]
    meta: ListMeta


class ErrorDetail(BaseModel):
    field: str
    issue: str


class ErrorBody(BaseModel):
    code: str = Field(examples=["RESOURCE_NOT_FOUND"])
    message: str = Field(examples=["Contact not found"])
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorBody
    meta: Meta


class Listing(BaseModel, Generic[T]):
    """What a list service returns: one page and the cursor to the next."""

    items: list[T]
    nextCursor: str | None
    limit: int


class PageQuery(BaseModel):
    """`cursor` and `limit` of every list (default 50, at most 200)."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(None, description="`meta.pagination.nextCursor` of the previous page.")
    limit: int = Field(50, ge=1, le=200)
