"""Export rows: formula guarding, RFC 4180 quoting and JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from types import MappingProxyType

import pytest

from contact_platform.files.csv_reading import open_csv, split_list
from contact_platform.files.csv_writing import (
    DIALECTS,
    FORMULA_STARTS,
    csv_line,
    guard_cell,
    jsonl_line,
    list_cell,
    unguard_cell,
)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_guard_cell_prefixes_a_quote_to_formula_starts(start: str) -> None:
    assert guard_cell(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("value", ["", "Jan", "a=b", " =1", "'Tis", "0170 123", "Ä@b"])
def test_guard_cell_leaves_other_values_alone(value: str) -> None:
    assert guard_cell(value) == value


@pytest.mark.parametrize(
    "value", ["+49 151 2345678", "=1", "'=1", "''+x", "-5", "@a", "\tx", "'", "'Tis", "plain", "", "a'=b"]
)
def test_unguard_cell_gives_back_exactly_what_guard_cell_was_given(value: str) -> None:
    assert unguard_cell(guard_cell(value)) == value
    assert guard_cell("'=1") == "''=1", "apostrophes before a formula start get a guard, so unguarding is exact"


def test_list_cells_keep_a_single_item_with_a_comma_together() -> None:
    assert list_cell(["export", "a,b"]) == "export;a,b" and list_cell(["a,b"]) == "a,b;"
    assert split_list(list_cell(["a,b"])) == ["a,b"] and split_list("vip, called") == ["vip", "called"]


def test_the_excel_de_dialect_writes_semicolons_and_quotes_cells_holding_them() -> None:
    dialect = DIALECTS["excel-de"]
    assert dialect.bom and dialect.delimiter == ";" and not DIALECTS["rfc4180"].bom
    assert csv_line(["Doe, Jane", "a;b", "+49 1"], dialect.delimiter) == b'Doe, Jane;"a;b";\'+49 1\r\n'


def test_csv_line_is_one_crlf_record_in_utf8_quoting_only_where_needed() -> None:
    line = csv_line(["Jörg", "a,b", 'say "hi"', "multi\nline", "cr\rhere", "semi;colon", " padded ", ""])
    assert line == 'Jörg,"a,b","say ""hi""","multi\nline","cr\rhere",semi;colon, padded ,\r\n'.encode()
    assert not line.startswith(b"\xef\xbb\xbf")


def test_csv_line_guards_every_cell_before_quoting() -> None:
    line = csv_line(['=HYPERLINK("x")', "+49 170", "-5", "@a,b", "\tx", "\rx"])
    assert line == b'"\'=HYPERLINK(""x"")",\'+49 170,\'-5,"\'@a,b",\'\tx,"\'\rx"\r\n'


def test_a_lone_empty_cell_is_written_as_a_quoted_empty_string_not_a_blank_line() -> None:
    assert csv_line([""]) == b'""\r\n'
    assert list(csv.reader(io.StringIO(csv_line([""]).decode(), newline=""))) == [[""]]


def test_csv_lines_read_back_as_the_guarded_cells() -> None:
    rows = [
        ["id", "name", "notes"],
        ["con_1", 'Doe, "JD" Jane', "line one\r\nline two"],
        ["con_2", "=1+2", "-"],
        ["con_3", "", "ümlaut ✓ 😀"],
    ]
    data = b"".join(csv_line(row) for row in rows)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert parsed == [[guard_cell(cell) for cell in row] for row in rows]


def test_an_export_file_reads_back_through_the_import_reader() -> None:
    data = csv_line(["Name", "E-Mail", "Tags"]) + csv_line(["Doe, Jane", "jane@example.com", "a;b"])
    layout, rows = open_csv(lambda: iter([data]))
    assert layout.delimiter == ","
    assert [row.values for row in rows] == [{"name": "Doe, Jane", "email": "jane@example.com", "tags": "a;b"}]


def test_jsonl_line_is_compact_utf8_json_with_one_newline() -> None:
    record = {"name": 'Jörg "J" Müller', "tags": ["a", "b"], "notes": "x\ny\u2028z", "n": 3, "none": None}
    line = jsonl_line(record)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert "Jörg".encode() in line
    assert b", " not in line and b": " not in line
    assert json.loads(line) == record


def test_jsonl_line_accepts_any_mapping() -> None:
    assert jsonl_line(MappingProxyType({"a": 1})) == b'{"a":1}\n'
