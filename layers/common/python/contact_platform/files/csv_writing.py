"""Export rows: CSV records guarded against formula injection, in one of two dialects, and JSON Lines
records.

An export CSV file is the dialect's BOM (if any), `csv_line(header)`, then one `csv_line(cells)` per
row, CRLF line ends, UTF-8. Dialects: `rfc4180` (`,`, no BOM; the default) and `excel-de` (`;` and a
UTF-8 BOM, what a German Excel opens with a double click).

The formula guard and the importer agree (docs/architecture.md, "Export and import speak the same
file"): `guard_cell` puts an apostrophe before a value that starts with `=`, `+`, `-`, `@`, tab or CR
(also after leading apostrophes), and `unguard_cell` removes exactly that apostrophe again, so
`unguard_cell(guard_cell(v)) == v` for every value: a phone `+49 151 ...` leaves as `'+49 151 ...`
and comes back as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff".encode()


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    bom: bool


DIALECTS = {"rfc4180": Dialect(",", bom=False), "excel-de": Dialect(";", bom=True)}
DEFAULT_DIALECT = "rfc4180"


def _needs_guard(value: str) -> bool:
    return value.lstrip("'").startswith(FORMULA_STARTS)


def guard_cell(value: str) -> str:
    """The value with an apostrophe in front when a spreadsheet would read it as a formula (OWASP CSV
    injection), or when it is apostrophes before such a start (so that `unguard_cell` is exact)."""
    return "'" + value if _needs_guard(value) else value


def unguard_cell(cell: str) -> str:
    """The value `guard_cell` was given: the guard's apostrophe removed, any other cell unchanged."""
    return cell[1:] if cell.startswith("'") and _needs_guard(cell[1:]) else cell


def _quoted(cell: str, delimiter: str) -> str:
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if delimiter in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


def csv_line(cells: Sequence[str], delimiter: str = ",") -> bytes:
    """One RFC 4180 record: every cell guarded, quoted only where needed (the delimiter, `"`, CR, LF),
    UTF-8, CRLF."""
    if len(cells) == 1 and not cells[0]:
        return b'""\r\n'  # a lone empty cell, not a blank line (which readers skip)
    return (delimiter.join([_quoted(guard_cell(cell), delimiter) for cell in cells]) + "\r\n").encode("utf-8")


def list_cell(items: Sequence[str]) -> str:
    """A list in one cell, items joined by `;`. A single item holding a `,` gets a trailing `;`, so that
    the importer (which splits a cell without `;` on `,`) reads it as one item."""
    joined = ";".join(items)
    return joined + ";" if len(items) == 1 and "," in joined else joined


def jsonl_line(record: Mapping[str, Any]) -> bytes:
    """One JSON Lines record: compact JSON, non-ASCII kept as UTF-8, then a newline."""
    plain = record if isinstance(record, dict) else dict(record)
    return (json.dumps(plain, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
