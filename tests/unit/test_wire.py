"""store/wire.py: plain values from DynamoDB's wire form read as pynamodb reads the same attribute."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute

from contact_platform.store.wire import plain, projection

WIRE: dict[str, Any] = {
    "M": {
        "text": {"S": "Grüße"},
        "whole": {"N": "90"},
        "fraction": {"N": "12.25"},
        "negative": {"N": "-3"},
        "yes": {"BOOL": True},
        "nothing": {"NULL": True},
        "list": {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": False}]},
        "nested": {"M": {"artistEmail": {"BOOL": True}, "deeper": {"M": {"n": {"N": "0.5"}}}}},
        "strings": {"SS": ["x", "y"]},
        "numbers": {"NS": ["1", "2.5"]},
    }
}


def test_plain_reads_every_type_as_pynamodb_does() -> None:
    attribute = MapAttribute()  # type: ignore[no-untyped-call]
    expected = attribute.deserialize(WIRE["M"])
    assert plain(WIRE) == expected
    read = plain(WIRE)
    assert type(read["whole"]) is int and type(read["fraction"]) is float
    assert read["nested"] == {"artistEmail": True, "deeper": {"n": 0.5}}
    assert read["numbers"] == {1, 2.5} and read["nothing"] is None


def test_a_projection_names_every_attribute_once_through_placeholders() -> None:
    expression, names, holder = projection(["PK", "data", "PK", "version"])
    assert expression == "#a0, #a1, #a2"
    assert names == {"#a0": "PK", "#a1": "data", "#a2": "version"}
    assert holder == {"PK": "#a0", "data": "#a1", "version": "#a2"}
