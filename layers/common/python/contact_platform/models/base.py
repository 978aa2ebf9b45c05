"""The base of every API model: validators and serializers are built on first use, not at import.

A route's handler imports its resource's models module, which holds the inputs of every route of the
resource; building them all at import cost a GET route about 0.1 s of cold start for models it never
uses (docs/architecture.md, "Cold start"). Request models add `extra="forbid"` to the inherited config.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from contact_platform.errors import Detail


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Input(Model):
    """A request body read strictly: no unknown field, and no coercion (`false` is no price, `"3"` no order)."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        """Problems of a body's valid fields with one another, asked when the fields `unknown` did not
        validate, so that one 422 names both (http/endpoint.py; an entity's create body: its checks,
        entities/shapes.py; a contact's: its name, models/contacts.py). None by default."""
        return []


class Document(Model):
    """A model a handler returns as the whole JSON body, without the platform's envelope
    (`/.well-known/jwks.json`: a JWKS document as JWT libraries read it). What a handler returns
    decides how it is written (http/endpoint.py): a Document as is, a `PlainText` as text, anything
    else in the envelope."""
