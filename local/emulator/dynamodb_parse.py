"""DynamoDB requests (moto 5.2.5): moto parses a request's JSON against the operation's input shape,
member by member. An AttributeValue is a structure of ten members, so every value at every level of
every item costs ten lookups and a dispatch: 4.0 ms for a BatchWriteItem of 25 lead records, whose
`json.loads` takes 0.3 ms (1.6 ms with this adapter). Instead an AttributeValue's plain members (`S`, `N`,
`BOOL`, `NULL`) are taken as they are and its `M` and `L` walked directly; everything else (binary
values, sets, anything malformed) goes through moto's own parsing, so the answer is the same."""

from __future__ import annotations

from typing import Any

from moto.core import parse

ATTRIBUTE_VALUE = "AttributeValue"
PLAIN = frozenset({"S", "N", "BOOL", "NULL"})  # strings and booleans: moto keeps them as sent


class JSONParser(parse.JSONParser):
    """moto's parser of the JSON protocol (DynamoDB's and other services'), quick for DynamoDB's values."""

    def __init__(self, operation_model: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(operation_model, *args, **kwargs)
        self._dynamodb = operation_model.service_model.service_name == "dynamodb"

    def _parse_structure(self, shape: Any, value: Any) -> Any:
        if not self._dynamodb or shape.name != ATTRIBUTE_VALUE or type(value) is not dict:
            return super()._parse_structure(shape, value)  # type: ignore[no-untyped-call]
        members = shape.members
        parsed = self.MAP_TYPE()
        for name, raw in value.items():
            if raw is None or name not in members:  # moto leaves out nulls and unknown members
                continue
            if name in PLAIN:
                parsed[name] = raw
            elif name == "M" and type(raw) is dict:
                parsed[name] = self.MAP_TYPE((key, self._parse_structure(shape, item)) for key, item in raw.items())
            elif name == "L" and type(raw) is list:
                parsed[name] = [self._parse_structure(shape, item) for item in raw]
            else:
                parsed[name] = self._parse_shape(members[name], raw)  # type: ignore[no-untyped-call]
        return parsed


def install() -> None:
    parse.PROTOCOL_PARSERS["json"] = JSONParser
