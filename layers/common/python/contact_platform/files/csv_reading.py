"""Reading an uploaded contact CSV with bounded memory, whatever the file's size.

`open_csv` takes a byte stream factory (each call yields the file again from the start, in chunks)
and passes over the file twice:

1. Inspect: the whole file through an incremental UTF-8 decoder (valid UTF-8, with or without a
   BOM, wins; otherwise Windows-1252 when no byte is undefined there), plus the first 8 KB for
   binary content and the delimiter.
2. Parse: the bytes split into lines at `\\n`, `\\r\\n` and `\\r` (with their own line ends, each at
   most `LINE_LIMIT` characters), each line decoded on its own (these bytes never occur inside a
   multi-byte character of either encoding), into `csv.reader`. The header is read and mapped
   before `open_csv` returns, so a file that is not a contact CSV is refused as a whole
   (`CsvRefused`); the rows follow lazily. `csv.reader` pulls exactly the lines of one record, so
   each `Row` knows the byte offset right after it (`end`).

`resume_csv` goes on from such an offset (the import plan's loop, docs/architecture.md, Jobs): it
reads the header again from the file's start for its mapping, then the rows from the offset (an
S3 Range GET), numbered on, exactly as one pass over the whole file gives them.

Rows never raise: hostile cells (NUL bytes, huge cells, spreadsheet formulas, malformed quoting,
extra cells) become `RowProblem`s on the row, and the caller decides to skip it. A cell the export's
formula guard defused (`'+49 151 ...`) is read without the guard (files/csv_writing.unguard_cell).
The export's own column names are known, so an export imports without loss (docs/architecture.md,
"Export and import speak the same file").
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import itertools
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from contact_platform.files.csv_writing import unguard_cell

FIELDS = (
    "firstName",
    "lastName",
    "name",
    "email",
    "emails",
    "phone",
    "phones",
    "company",
    "tags",
    "organizationId",
    "consentGivenAt",
    "customFields",
)

HEAD_BYTES = 8 * 1024  # inspected for binary content and the delimiter
MAX_COLUMNS = 200
MAX_CELL = 4096  # characters; a longer cell is a row problem
FIELD_LIMIT = 8 * 1024 * 1024  # csv.field_size_limit: a 1 MB cell is read and reported, not a csv.Error
LINE_LIMIT = 2 * FIELD_LIMIT  # characters of one physical line kept; the rest of the line is dropped
PREVIEW = 100  # characters of an offending value in a RowProblem or an unknown column name
SNIFF_RECORDS = 20

NAME_FIELDS = frozenset({"name", "firstName", "lastName"})
REACH_FIELDS = frozenset({"email", "emails", "phone", "phones"})

REFUSED_EMPTY = "The file is empty"
REFUSED_BINARY = "The file is not CSV text (binary content)"
REFUSED_WORKBOOK = (
    "The file is a spreadsheet workbook (.xlsx or .xls) or an archive, not CSV text: "
    "save it as CSV (Excel: Save As, CSV UTF-8) and import that file"
)
REFUSED_ENCODING = "The file is neither UTF-8 nor Windows-1252 text"
REFUSED_NO_CONTACT_COLUMNS = "The header row names no contact columns; expected for example Name, E-Mail, Telefon"

_BOM = codecs.BOM_UTF8
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # ZIP (XLSX), OLE2 (XLS)
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"PK\x03\x04",  # ZIP, XLSX, DOCX
    b"PK\x05\x06",  # empty ZIP
    b"%PDF-",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"\x1f\x8b",  # gzip
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: XLS, DOC
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x7fELF",
    b"MZ\x90\x00",  # Windows executable
)
# C0 control bytes other than tab, LF and CR, and DEL: text hardly ever contains them.
_CONTROL_BYTES = tuple(bytes([b]) for b in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# Bytes Windows-1252 leaves undefined (Python's cp1252 codec refuses them).
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_WHITESPACE = b" \t\r\n\x0b\x0c"

# Delimiters in tie-break order, last wins: a `;` or tab file often holds unquoted commas in names.
_DELIMITERS = (",", ";", "\t")

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e-mail",
        "mail",
        "emailaddress",
        "e-mail-adresse",
        "emailadresse",
        "email address",
        "mailadresse",
    ),
    "firstName": ("firstname", "first name", "vorname", "givenname", "given name"),
    "lastName": ("lastname", "last name", "nachname", "surname", "familienname", "zuname"),
    "name": ("name", "fullname", "full name", "kontakt", "kontaktname", "vollständiger name", "contact name"),
    "phone": (
        "phone",
        "telefon",
        "tel",
        "telephone",
        "telefonnummer",
        "phonenumber",
        "mobile",
        "mobil",
        "handy",
        "mobilnummer",
        "mobile phone",
        "mobiltelefon",
        "telefonnr",
    ),
    "company": (
        "company",
        "firma",
        "organisation",
        "organization",
        "unternehmen",
        "companyname",
        "firmenname",
    ),
    "tags": ("tags", "tag", "schlagworte", "labels"),
    # The export's own column names (jobs/exports.py), so that an export imports without loss.
    "emails": ("emails",),
    "phones": ("phones",),
    "organizationId": ("organizationid",),
    "consentGivenAt": ("consentgivenat", "consent given at", "einwilligung"),
    "customFields": ("customfields", "custom fields"),
}
# Export columns the importing tenant assigns itself: known (not reported as unknown), not read.
_ASSIGNED_COLUMNS = ("id", "ownerid", "createdat", "updatedat")

# A text field starting with one of these is a spreadsheet formula (OWASP CSV injection).
_FORMULA_STARTS = frozenset("=+-@\t\r")
# A phone number may start with `+` (international format): only these count there.
_PHONE_FORMULA_STARTS = frozenset("=@\t\r")
_PHONE_FIELDS = frozenset({"phone", "phones"})


def split_list(cell: str) -> list[str]:
    """The items of a list cell (emails, phones, tags): split on `;` when it holds one, else on `,`
    (the export writes `;`, see files/csv_writing.list_cell); blank items dropped."""
    separator = ";" if ";" in cell else ","
    return [item.strip() for item in cell.split(separator) if item.strip()]


class CsvRefused(Exception):
    """The file as a whole is not a usable contact CSV; `reason` is a clear English sentence for the API client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RowProblem:
    field: str  # canonical field name, or "row" for problems of the whole row
    issue: str
    value: str  # the offending value, at most PREVIEW characters ("" when not applicable)


@dataclass(frozen=True)
class Row:
    number: int  # record number in the file: the header is 1, the first data row is 2
    values: dict[str, str]  # canonical field -> stripped cell text; only mapped, non-empty cells
    problems: tuple[RowProblem, ...]
    # The byte offset in the file right after the record (where the next one starts): `resume_csv`
    # goes on from there. Not part of a row's equality.
    end: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class CsvLayout:
    encoding: str  # "utf-8" (BOM or not; BOM stripped) or "cp1252"
    delimiter: str  # ",", ";" or "\t"
    columns: tuple[str, ...]  # header cells as written
    mapping: dict[int, str]  # column index -> canonical field
    unknown_columns: tuple[str, ...]  # non-empty header cells that map to no field (each cut to PREVIEW characters)
    ignored_columns: tuple[str, ...]  # header cells of the export's columns the importing tenant assigns itself


def _normal_header(cell: str) -> str:
    text = unicodedata.normalize("NFC", cell).strip().replace("\ufeff", "").casefold()
    for ignored in "-_. ":
        text = text.replace(ignored, "")
    return text


HEADER_FIELDS: dict[str, str] = {
    _normal_header(synonym): field for field, synonyms in _SYNONYMS.items() for synonym in synonyms
}
ASSIGNED_HEADERS = frozenset(_normal_header(column) for column in _ASSIGNED_COLUMNS)

csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


# Pass 1: encoding, emptiness, binary content --------------------------------------------------


@dataclass(frozen=True)
class _Inspection:
    encoding: str
    bom: bool
    head: bytes  # the first HEAD_BYTES bytes after the BOM
    complete: bool  # head is the whole file


def _looks_binary(head: bytes) -> bool:
    if head.startswith(_MAGIC):
        return True
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    # A stray NUL in a text file is a row problem; binary data (or UTF-16) is full of control bytes.
    return controls >= 2 and controls * 20 > len(head)


def _inspect(source: Callable[[], Iterator[bytes]]) -> _Inspection:
    head = bytearray()
    limit = HEAD_BYTES + len(_BOM)  # the head is read with room for a BOM
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = cp1252_ok = True
    content_beyond_head = False
    size = 0
    for chunk in source():
        size += len(chunk)
        rest = chunk
        if len(head) < limit:
            room = limit - len(head)
            head += chunk[:room]
            rest = chunk[room:]
        if rest and not content_beyond_head:
            content_beyond_head = bool(rest.strip(_WHITESPACE))
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok and any(byte in chunk for byte in _CP1252_UNDEFINED):
            cp1252_ok = False
        if not utf8_ok and not cp1252_ok and len(head) >= limit:
            break  # neither encoding fits: nothing more to learn
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False

    bom = head.startswith(_BOM)
    body = bytes(head[len(_BOM) :] if bom else head)
    complete = size == len(head)
    if not complete:
        body = body[:HEAD_BYTES]
    if not body.strip(_WHITESPACE) and not content_beyond_head:
        raise CsvRefused(REFUSED_EMPTY)
    if body.startswith(_UTF16_32_BOMS):
        raise CsvRefused(REFUSED_ENCODING)
    if body.startswith(_WORKBOOK_MAGIC):
        raise CsvRefused(REFUSED_WORKBOOK)
    if _looks_binary(body):
        raise CsvRefused(REFUSED_BINARY)
    if utf8_ok:
        return _Inspection("utf-8", bom, body, complete)
    if cp1252_ok:
        return _Inspection("cp1252", bom, body, complete)
    raise CsvRefused(REFUSED_ENCODING)


# Delimiter -------------------------------------------------------------------------------------


def _record_widths(text: str, delimiter: str) -> list[int]:
    """Cell counts of the first non-blank records of `text` (the header first)."""
    widths: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                widths.append(len(cells))
                if len(widths) == SNIFF_RECORDS:
                    break
    except csv.Error:
        pass
    return widths


def sniff_delimiter(text: str) -> str:
    """`,`, `;` or tab: the one splitting the header into the most cells while at least 80 % of the
    following records have as many cells; failing consistency, the most header cells; ties go to tab,
    then `;`, then `,`. A file whose header has one cell under every candidate is read with `,`."""
    best, best_key = ",", (False, 1, -1)
    for preference, delimiter in enumerate(_DELIMITERS):
        widths = _record_widths(text, delimiter)
        if not widths or widths[0] < 2:
            continue
        header, data = widths[0], widths[1:]
        consistent = sum(width == header for width in data) * 5 >= len(data) * 4
        key = (consistent, header, preference)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _sniff_text(inspection: _Inspection) -> str:
    text = inspection.head.decode(inspection.encoding, errors="ignore")
    if not inspection.complete:
        # Drop the last, possibly cut record; keep a lone first line (a very wide header) as it is.
        end = max(text.rfind("\n"), text.rfind("\r"))
        if end > 0:
            text = text[: end + 1]
    return text


# Pass 2: lines and records ---------------------------------------------------------------------


def _after(chunks: Iterator[bytes], skip: int) -> Iterator[bytes]:
    """`chunks` without their first `skip` bytes."""
    for chunk in chunks:
        if skip:
            dropped = min(skip, len(chunk))
            skip -= dropped
            chunk = chunk[dropped:]
        if chunk:
            yield chunk


def _split(chunks: Iterator[bytes], cap: int) -> Iterator[tuple[bytes, int, bool]]:
    """The physical lines of a byte stream, split at `\\n`, `\\r\\n` and `\\r` (in UTF-8 and Windows-1252
    these bytes never occur inside a multi-byte character): each line's bytes with its line end, its
    length in the stream, and whether it was cut. Of a line longer than `cap` bytes only the first
    `cap` are kept (without its line end); the rest is counted and dropped, so memory holds one chunk
    and at most `cap` bytes of a line."""
    pending: list[bytes] = []  # the start of a line that goes on in a later chunk
    kept = length = 0  # bytes of it in `pending`, and in the stream
    held = b""  # a CR ending a chunk: its line ends there unless the next chunk starts with LF
    for chunk in chunks:
        if held:
            chunk, held = held + chunk, b""
        if chunk.endswith(b"\r"):
            chunk, held = chunk[:-1], b"\r"
        if not chunk:
            continue
        pieces = chunk.splitlines(keepends=True)
        tail = pieces.pop() if not pieces[-1].endswith((b"\n", b"\r")) else b""
        for piece in pieces:
            if pending or len(piece) > cap:
                pending.append(piece[: max(0, cap - kept)])
                length += len(piece)
                line = b"".join(pending)
                yield line, length, length > len(line)
                pending.clear()
                kept = length = 0
            else:
                yield piece, len(piece), False
        if tail:
            part = tail[: max(0, cap - kept)]
            pending.append(part)
            kept += len(part)
            length += len(tail)
    if held or pending:
        pending.append(held[: max(0, cap - kept)])
        length += len(held)
        line = b"".join(pending)
        yield line, length, length > len(line)


class _Lines:
    """Physical lines with their line ends (`\\n`, `\\r\\n` or `\\r`), decoded one by one, for `csv.reader`,
    which pulls exactly the lines of one record at a time: `offset` is the byte offset in the file
    right after the last line pulled (after a record: where the next one starts). A line longer than
    LINE_LIMIT characters is cut there (the rest of it is dropped) and counted in `overlong`."""

    def __init__(self, chunks: Iterator[bytes], encoding: str, offset: int) -> None:
        self._chunks = chunks
        self._encoding = encoding
        self.offset = offset
        self.overlong = 0

    def __iter__(self) -> Iterator[str]:
        limit = LINE_LIMIT
        # A character is one byte in Windows-1252 and at most four in UTF-8.
        cap = limit * (1 if self._encoding == "cp1252" else 4)
        # errors="replace": the object could change between reads; rows must never raise.
        encoding = self._encoding
        for data, length, cut in _split(self._chunks, cap):
            line = data.decode(encoding, "replace")
            self.offset += length
            if cut or len(line) >= limit:
                content = line.rstrip("\r\n")
                if cut or len(content) >= limit:
                    self.overlong += 1
                    line = content[:limit] + "\n"
            yield line


def _map_header(columns: tuple[str, ...]) -> tuple[dict[int, str], tuple[str, ...], tuple[str, ...]]:
    """Column index -> field, the header cells that name no field, and those the importer does not read."""
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    ignored: list[str] = []
    for index, cell in enumerate(columns):
        normal = _normal_header(cell)
        field = HEADER_FIELDS.get(normal)
        if field is not None and field not in mapping.values():
            mapping[index] = field
        elif normal in ASSIGNED_HEADERS:
            ignored.append(cell[:PREVIEW])
        elif cell.strip():
            unknown.append(cell[:PREVIEW])
    return mapping, tuple(unknown), tuple(ignored)


def _header(reader: Iterator[list[str]]) -> tuple[list[str], int]:
    """The first non-blank record (CsvRefused if there is none or it is not valid CSV) and its number."""
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            raise CsvRefused(REFUSED_EMPTY) from None
        except csv.Error as error:
            raise CsvRefused(f"The header row is not valid CSV: {error}") from None
        number += 1
        if any(cell.strip() for cell in cells):
            return cells, number


def _layout(header: list[str], encoding: str, delimiter: str) -> CsvLayout:
    if len(header) > MAX_COLUMNS:
        raise CsvRefused(f"The header has {len(header)} columns; at most {MAX_COLUMNS} are allowed")
    columns = tuple(header)
    mapping, unknown, ignored = _map_header(columns)
    fields = set(mapping.values())
    if not fields & NAME_FIELDS and not fields & REACH_FIELDS:
        raise CsvRefused(REFUSED_NO_CONTACT_COLUMNS)
    return CsvLayout(encoding, delimiter, columns, mapping, unknown, ignored)


def open_csv(source: Callable[[], Iterator[bytes]]) -> tuple[CsvLayout, Iterator[Row]]:
    """Choose encoding, sniff delimiter, map the header; raise CsvRefused for a file that is not CSV."""
    inspection = _inspect(source)
    delimiter = sniff_delimiter(_sniff_text(inspection))
    skip = len(_BOM) if inspection.bom else 0
    lines = _Lines(_after(source(), skip), inspection.encoding, skip)
    reader = csv.reader(lines, delimiter=delimiter)
    header, number = _header(reader)
    layout = _layout(header, inspection.encoding, delimiter)
    return layout, _rows(reader, lines, number, layout)


def read_text(data: bytes) -> tuple[str, str]:
    """A whole CSV file already in memory (a lead migration's, read by `cdp migrate`) as an import
    reads one: its text (UTF-8 with or without a BOM, else Windows-1252, as Excel writes it) and its
    delimiter (`;` from a German Excel too); CsvRefused for an empty, binary or otherwise encoded file."""
    inspection = _inspect(lambda: iter([data]))
    text = data[len(_BOM) if inspection.bom else 0 :].decode(inspection.encoding)
    return text, sniff_delimiter(_sniff_text(inspection))


class RangeSource(Protocol):
    """A byte stream factory that can start anywhere: `source(start)` yields the file from byte
    `start` on, in chunks (files/s3_files.object_source: an S3 Range GET)."""

    def __call__(self, start: int = 0) -> Iterator[bytes]: ...


def _bom_length(chunks: Iterator[bytes]) -> tuple[Iterator[bytes], int]:
    """The stream as it was, and the length of the UTF-8 BOM it starts with (0 without one)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= len(_BOM):
            break
    return itertools.chain([head], chunks), len(_BOM) if head.startswith(_BOM) else 0


def resume_csv(
    source: RangeSource, encoding: str, delimiter: str, offset: int, number: int
) -> tuple[CsvLayout, Iterator[Row]]:
    """The rows of a file `open_csv` read before (as `encoding`, split at `delimiter`) that start at
    byte `offset`, the `end` of the row numbered `number`: the header is read again from the file's
    start for its mapping (the first lines only), then the rows from `source(offset)`, numbered on
    and each with its own `end`, exactly as one `open_csv` reading the whole file gives them."""
    chunks, skip = _bom_length(source())
    header, _ = _header(csv.reader(_Lines(_after(chunks, skip), encoding, skip), delimiter=delimiter))
    layout = _layout(header, encoding, delimiter)
    lines = _Lines(source(offset), encoding, offset)
    return layout, _rows(csv.reader(lines, delimiter=delimiter), lines, number, layout)


# Rows ------------------------------------------------------------------------------------------


def _starts(field: str) -> frozenset[str]:
    return _PHONE_FORMULA_STARTS if field in _PHONE_FIELDS else _FORMULA_STARTS


def _cell_problems(field: str, value: str) -> list[RowProblem]:
    problems: list[RowProblem] = []
    if "\0" in value:
        problems.append(RowProblem(field, "contains a NUL byte", value.replace("\0", "")[:PREVIEW]))
    if len(value) > MAX_CELL:
        problems.append(RowProblem(field, f"longer than {MAX_CELL} characters", value[:PREVIEW]))
    if value[0] in _starts(field):
        problems.append(RowProblem(field, f"starts with {value[0]!r} (spreadsheet formula)", value[:PREVIEW]))
    return problems


def _rows(reader: Iterator[list[str]], lines: _Lines, number: int, layout: CsvLayout) -> Iterator[Row]:
    mapped = tuple((index, field, _starts(field)) for index, field in layout.mapping.items())
    width = len(layout.columns)
    while True:
        overlong = lines.overlong
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            yield Row(number, {}, (RowProblem("row", f"is not valid CSV: {error}", ""),), lines.offset)
            continue
        number += 1
        count = len(cells)
        values: dict[str, str] = {}
        problems: list[RowProblem] = []
        for index, field, starts in mapped:
            if index < count:
                value = cells[index].strip()
                if value:
                    # The check sees the cell as written: a guarded `'=...` is the export's defused
                    # value, taken without its guard; a bare `=...` is a formula (a row problem).
                    values[field] = unguard_cell(value)
                    if value[0] in starts or "\0" in value or len(value) > MAX_CELL:
                        problems.extend(_cell_problems(field, value))
        if count > width:
            extra = [cell for cell in cells[width:] if cell.strip()]
            if extra:
                used = max(index for index, cell in enumerate(cells) if cell.strip()) + 1
                problems.append(RowProblem("row", f"has {used} cells, the header has {width}", ""))
        if lines.overlong != overlong:
            problems.append(RowProblem("row", f"has a line longer than {LINE_LIMIT} characters (cut)", ""))
        if not values and not problems and not any(cell.strip() for cell in cells):
            continue  # a blank line (or only delimiters): counted in `number`, not yielded
        yield Row(number, values, tuple(problems), lines.offset)
