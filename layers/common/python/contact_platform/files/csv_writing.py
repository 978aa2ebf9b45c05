"""Export rows: RFC 4180 CSV records guarded against formula injection, and JSON Lines records.

An export CSV file is `csv_line(header)` followed by one `csv_line(cells)` per row: UTF-8 without
BOM, CRLF line ends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: str) -> str:
    """The value with a single quote in front when a spreadsheet would read it as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _quoted(cell: str) -> str:
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


def csv_line(cells: Sequence[str]) -> bytes:
    """One RFC 4180 record: every cell guarded, quoted only where needed (`,`, `"`, CR, LF), UTF-8, CRLF."""
    if len(cells) == 1 and not cells[0]:
        return b'""\r\n'  # a lone empty cell, not a blank line (which readers skip)
    return (",".join([_quoted(guard_cell(cell)) for cell in cells]) + "\r\n").encode("utf-8")


def jsonl_line(record: Mapping[str, Any]) -> bytes:
    """One JSON Lines record: compact JSON, non-ASCII kept as UTF-8, then a newline."""
    plain = record if isinstance(record, dict) else dict(record)
    return (json.dumps(plain, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
