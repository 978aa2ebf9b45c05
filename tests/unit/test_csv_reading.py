"""Reading uploaded contact CSVs: encoding, refusals, delimiter, header mapping, rows and hostile input."""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable, Iterator

import pytest

from contact_platform.files import csv_reading
from contact_platform.files.csv_reading import CsvLayout, CsvRefused, Row, RowProblem, open_csv

Source = Callable[[], Iterator[bytes]]


def source_of(data: bytes, chunk: int = 5) -> Source:
    """A byte stream factory yielding `data` in small chunks (splitting BOMs and multi-byte characters)."""

    def source() -> Iterator[bytes]:
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]

    return source


def read(data: bytes | str, chunk: int = 5) -> tuple[CsvLayout, list[Row]]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    layout, rows = open_csv(source_of(raw, chunk))
    return layout, list(rows)


def rows_of(data: bytes | str, chunk: int = 5) -> list[Row]:
    return read(data, chunk)[1]


def refusal(data: bytes | str, chunk: int = 5) -> str:
    with pytest.raises(CsvRefused) as refused:
        read(data, chunk)
    assert str(refused.value) == refused.value.reason
    return refused.value.reason


# Encoding --------------------------------------------------------------------------------------


def test_utf8_with_bom_is_utf8_and_the_bom_does_not_reach_the_first_column() -> None:
    layout, rows = read("\ufeffE-Mail,Name\r\njörg@example.com,Jörg Müller\r\n".encode(), chunk=1)
    assert layout.encoding == "utf-8"
    assert layout.columns == ("E-Mail", "Name")
    assert layout.mapping == {0: "email", 1: "name"}
    assert rows == [Row(2, {"email": "jörg@example.com", "name": "Jörg Müller"}, ())]


def test_utf8_without_bom_keeps_multibyte_characters_split_across_chunks() -> None:
    layout, rows = read("Name;Firma\nŁukasz Żółć;Straßen-Bau 😀\n".encode(), chunk=3)
    assert layout.encoding == "utf-8"
    assert rows[0].values == {"name": "Łukasz Żółć", "company": "Straßen-Bau 😀"}


def test_windows_1252_is_chosen_when_the_file_is_not_utf8() -> None:
    layout, rows = read("Name;Firma\nJörg Müller;Café „Zur Post“ \u2013 €\n".encode("cp1252"))
    assert layout.encoding == "cp1252"
    assert rows[0].values == {"name": "Jörg Müller", "company": "Café „Zur Post“ \u2013 €"}


def test_the_whole_file_decides_the_encoding_not_only_its_beginning() -> None:
    ascii_rows = "".join(f"Person {i},p{i}@example.com\n" for i in range(2000))  # far beyond 8 KB
    data = ("Name,Email\n" + ascii_rows).encode() + "Jörg,j@example.com\n".encode("cp1252")
    layout, rows = read(data, chunk=4096)
    assert layout.encoding == "cp1252"
    assert rows[-1].values == {"name": "Jörg", "email": "j@example.com"}
    assert rows[-1].number == 2002


def test_a_multibyte_character_cut_at_the_end_of_the_file_is_not_utf8() -> None:
    layout, rows = read(b"Name\nJ\xc3\xb6rg\nX\xc3")
    assert layout.encoding == "cp1252"
    assert [row.values["name"] for row in rows] == ["JÃ¶rg", "XÃ"]


def test_a_file_neither_utf8_nor_windows_1252_is_refused() -> None:
    # 0x81 is undefined in Windows-1252, and 0xff 0x81 is no UTF-8.
    assert refusal(b"Name,Email\nA\xff\x81,a@example.com\n") == "The file is neither UTF-8 nor Windows-1252 text"


def test_utf16_text_is_refused_as_neither_encoding() -> None:
    assert refusal("Name,Email\nJan,jan@example.com\n".encode("utf-16")) == csv_reading.REFUSED_ENCODING


# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n", b",,,\n , ,\n"])
def test_an_empty_or_blank_file_is_refused(data: bytes) -> None:
    assert refusal(data) == "The file is empty"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"Name,Email\n" * 10,
        b"PK\x05\x06" + b"\x00" * 18,  # an empty ZIP
        b"%PDF-1.7\nName,Email\n",
        b"\x1f\x8b\x08\x00" + b"Name,Email\n",
        "Name,Email\nJan,jan@example.com\n".encode("utf-16-le"),  # UTF-16 without BOM: NUL every other byte
        random.Random(7).randbytes(20_000),
    ],
    ids=["png", "empty-zip", "pdf", "gzip", "utf16-no-bom", "random"],
)
def test_binary_content_is_refused(data: bytes) -> None:
    assert refusal(data) == "The file is not CSV text (binary content)"


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"Name,Email\n" * 10, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Name,Email\n"],
    ids=["xlsx", "xls"],
)
def test_a_workbook_is_refused_with_how_to_save_it_as_csv(data: bytes) -> None:
    """What a person dropping a file most likely sent instead of CSV."""
    assert refusal(data) == (
        "The file is a spreadsheet workbook (.xlsx or .xls) or an archive, not CSV text: "
        "save it as CSV (Excel: Save As, CSV UTF-8) and import that file"
    )


def test_binary_detection_looks_at_the_first_8_kb_only() -> None:
    # NUL bytes after the head are cell problems, not a refusal of the file.
    head = "Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(600))
    rows = rows_of(head.encode() + b"Nul\x00\x00\x00\x00\x00,n@example.com\n", chunk=1000)
    assert len(head) > 8192
    assert rows[-1].problems == (RowProblem("name", "contains a NUL byte", "Nul"),)


@pytest.mark.parametrize(
    "header",
    ["Firma,Notiz", "Company;Tags", "foo\tbar\tbaz", "Street,City,Zip"],
)
def test_a_header_without_contact_columns_is_refused(header: str) -> None:
    assert refusal(header + "\nx,y\n") == (
        "The header row names no contact columns; expected for example Name, E-Mail, Telefon"
    )


@pytest.mark.parametrize("header", ["E-Mail", "Telefon", "Nachname", "Vorname;Firma", "Company,Name"])
def test_one_name_or_reach_column_is_enough(header: str) -> None:
    layout, rows = read(header + "\nvalue\n")
    assert layout.mapping
    assert len(rows) == 1


def test_more_than_200_header_columns_are_refused() -> None:
    header = ",".join(["Email"] + [f"c{i}" for i in range(9999)])
    assert refusal(header + "\n" + "x\n", chunk=4096) == "The header has 10000 columns; at most 200 are allowed"


def test_200_header_columns_are_allowed() -> None:
    header = ",".join(["Email"] + [f"c{i}" for i in range(199)])
    layout, rows = read(header + "\na@example.com\n")
    assert len(layout.columns) == 200
    assert rows[0].values == {"email": "a@example.com"}


def test_header_only_is_zero_rows_not_a_refusal() -> None:
    layout, rows = read("Name,Email\r\n\r\n")
    assert layout.mapping == {0: "name", 1: "email"}
    assert rows == []


# Delimiter -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter", "values"),
    [
        ("Name,Email\nJan,j@example.com\n", ",", {"name": "Jan", "email": "j@example.com"}),
        ("Name;Email\nJan;j@example.com\n", ";", {"name": "Jan", "email": "j@example.com"}),
        ("Name\tEmail\nJan\tj@example.com\n", "\t", {"name": "Jan", "email": "j@example.com"}),
        # Unquoted commas inside a semicolon file's cells.
        (
            "Name;Firma;E-Mail\nMüller, Hans;ACME, Inc.;h@example.com\nDoe, Jane;X, Y, Z;d@example.com\n",
            ";",
            {"name": "Müller, Hans", "company": "ACME, Inc.", "email": "h@example.com"},
        ),
        # Semicolons inside quoted cells of a comma file.
        (
            'Name,Company,Email\n"A; B","C; D; E",a@example.com\n"F;G",H,f@example.com\n',
            ",",
            {"name": "A; B", "company": "C; D; E", "email": "a@example.com"},
        ),
        # Commas in a tab file.
        ("Name\tFirma\nDoe, John\tA, B, C\n", "\t", {"name": "Doe, John", "company": "A, B, C"}),
        # One column: read with a comma.
        ("Email\na@example.com\n", ",", {"email": "a@example.com"}),
    ],
    ids=["comma", "semicolon", "tab", "semicolon-with-commas", "comma-with-quoted-semicolons", "tab-commas", "single"],
)
def test_the_delimiter_is_sniffed(text: str, delimiter: str, values: dict[str, str]) -> None:
    layout, rows = read(text)
    assert layout.delimiter == delimiter
    assert rows[0].values == values


def test_a_consistent_delimiter_beats_one_giving_more_header_cells() -> None:
    # The header splits into 3 at commas but the rows do not; `;` gives 2 cells everywhere.
    text = "Name, Vorname, Titel;Email\n" + "".join(f"Doe {i};d{i}@example.com\n" for i in range(10))
    assert csv_reading.sniff_delimiter(text) == ";"


def test_a_very_wide_header_beyond_the_sniffed_head_is_still_read() -> None:
    header = ";".join(["Email"] + [f"Spalte mit einem recht langen Namen Nummer {i}" for i in range(190)])
    assert len(header) > 8192
    layout, rows = read(header + "\na@example.com;x\n" + "b@example.com\n" * 400, chunk=1024)
    assert layout.delimiter == ";"
    assert len(layout.columns) == 191
    assert rows[0].values == {"email": "a@example.com"}


# Quoting ---------------------------------------------------------------------------------------


def test_rfc4180_quoting_embedded_delimiters_newlines_and_doubled_quotes() -> None:
    text = (
        'Name,Company,Email,Tags\r\n"Doe, Jane","ACME ""Best"" Corp",jane@example.com,"a,b"\r\n'
        '"Multi\r\nLine",Firm,ml@example.com,\r\n'
        "Last,Co,last@example.com,x\r\n"
    )
    rows = rows_of(text)
    assert rows == [
        Row(2, {"name": "Doe, Jane", "company": 'ACME "Best" Corp', "email": "jane@example.com", "tags": "a,b"}, ()),
        Row(3, {"name": "Multi\r\nLine", "company": "Firm", "email": "ml@example.com"}, ()),
        Row(4, {"name": "Last", "company": "Co", "email": "last@example.com", "tags": "x"}, ()),
    ]


def test_old_mac_line_ends_are_lines() -> None:
    rows = rows_of("Name,Email\rJan,j@example.com\rEva,e@example.com\r")
    assert [(row.number, row.values["name"]) for row in rows] == [(2, "Jan"), (3, "Eva")]


def test_an_unterminated_quote_at_the_end_does_not_raise() -> None:
    rows = rows_of('Name,Email\nJan,j@example.com\n"Open,x@example.com\nmore\n')
    assert rows[0].values == {"name": "Jan", "email": "j@example.com"}
    assert rows[1].number == 3
    assert rows[1].values["name"].startswith("Open,x@example.com")


# Header mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-Mail", "email"),
        (" e_mail ", "email"),
        ("EMAIL ADDRESS", "email"),
        ("E-Mail-Adresse", "email"),
        ("Mail", "email"),
        ("Vorname", "firstName"),
        ("First Name", "firstName"),
        ("given_name", "firstName"),
        ("Nachname", "lastName"),
        ("Familienname", "lastName"),
        ("Zuname", "lastName"),
        ("Surname", "lastName"),
        ("Vollständiger Name", "name"),
        (unicodedata.normalize("NFD", "Vollständiger Name"), "name"),
        ("Full-Name", "name"),
        ("Kontakt", "name"),
        ("Tel.", "phone"),
        ("Handy", "phone"),
        ("Telefonnummer", "phone"),
        ("Phone Number", "phone"),
        ("MOBIL", "phone"),
        ("Organisation", "company"),
        ("Unternehmen", "company"),
        ("Company Name", "company"),
        ("Schlagworte", "tags"),
        ("Labels", "tags"),
    ],
)
def test_header_synonyms_map_to_canonical_fields(header: str, field: str) -> None:
    layout, rows = read(f"Name;{header}\nX;value\n" if field != "name" else f"Email;{header}\nx;value\n")
    assert layout.mapping[1] == field
    assert rows[0].values[field] == "value"


def test_the_exports_assigned_columns_are_known_but_not_read() -> None:
    layout, rows = read("ID,Name,Owner ID,created_at,Email\ncon_1,A,usr_1,2026-01-01,a@example.com\n")
    assert layout.mapping == {1: "name", 4: "email"} and layout.unknown_columns == ()
    assert layout.ignored_columns == ("ID", "Owner ID", "created_at")
    assert rows[0].values == {"name": "A", "email": "a@example.com"}


def test_the_first_of_two_columns_for_one_field_wins_and_the_second_is_unknown() -> None:
    layout, rows = read("Email,Name,E-Mail,Notiz,,Farbe\na@example.com,A,b@example.com,n,,rot\n")
    assert layout.mapping == {0: "email", 1: "name"}
    assert layout.unknown_columns == ("E-Mail", "Notiz", "Farbe")  # the empty header cell is not reported
    assert layout.columns == ("Email", "Name", "E-Mail", "Notiz", "", "Farbe")
    assert rows[0].values == {"email": "a@example.com", "name": "A"}


# Rows ------------------------------------------------------------------------------------------


def test_cells_are_stripped_and_missing_or_empty_cells_are_left_out() -> None:
    rows = rows_of("Name,Email,Phone,Company\n  Jan  , j@example.com ,\nEva\n")
    assert rows == [Row(2, {"name": "Jan", "email": "j@example.com"}, ()), Row(3, {"name": "Eva"}, ())]


def test_extra_non_empty_cells_are_a_row_problem_and_empty_extras_are_not() -> None:
    text = "Name,Email,Phone,Company,Tags\na,b@example.com,,,,x,y\nc,d@example.com,,,,,\n"
    rows = rows_of(text)
    assert rows[0].problems == (RowProblem("row", "has 7 cells, the header has 5", ""),)
    assert rows[0].values == {"name": "a", "email": "b@example.com"}
    assert rows[1].problems == ()


def test_blank_records_are_skipped_but_counted_like_spreadsheet_rows() -> None:
    rows = rows_of('\n  \nName,Email\nA,a@example.com\n\n,,\n"B\nB",b@example.com\nC,c@example.com\n')
    assert [(row.number, row.values["name"]) for row in rows] == [(4, "A"), (7, "B\nB"), (8, "C")]


def test_a_row_with_only_unmapped_cells_is_still_a_row() -> None:
    rows = rows_of("Name,Notiz\n,nur eine Notiz\n")
    assert rows == [Row(2, {}, ())]


def test_a_nul_byte_is_a_problem_with_the_nul_removed_from_the_reported_value() -> None:
    rows = rows_of(b"Name,Email\nJa\x00n,j@example.com\nEva,e@example.com\n")
    assert rows[0].problems == (RowProblem("name", "contains a NUL byte", "Jan"),)
    assert rows[0].values["email"] == "j@example.com"
    assert rows[1].problems == ()


def test_nul_bytes_in_unmapped_columns_are_ignored() -> None:
    rows = rows_of(b"Name,Notiz\nJan,x\x00y\n")
    assert rows[0].problems == ()


def test_a_cell_longer_than_4096_characters_is_a_problem_cut_to_100_characters() -> None:
    long_name = "N" * 4097
    rows = rows_of(f"Name,Email\n{long_name},a@example.com\n{'M' * 4096},b@example.com\n")
    assert rows[0].problems == (RowProblem("name", "longer than 4096 characters", "N" * 100),)
    assert rows[0].values["name"] == long_name
    assert rows[1].problems == ()


def test_a_one_megabyte_cell_is_read_and_reported_not_a_csv_error() -> None:
    huge = "x" * (1024 * 1024)
    rows = rows_of(f'Name,Email\n"{huge}",a@example.com\nNext,n@example.com\n', chunk=65536)
    assert rows[0].problems == (RowProblem("name", "longer than 4096 characters", "x" * 100),)
    assert rows[1] == Row(3, {"name": "Next", "email": "n@example.com"}, ())


def test_a_cell_beyond_the_csv_field_limit_is_a_row_problem_and_reading_continues() -> None:
    huge = "y" * (csv_reading.FIELD_LIMIT + 10)
    rows = rows_of(f"Name,Email\n{huge},a@example.com\nNext,n@example.com\n", chunk=1 << 20)
    assert rows[0].number == 2
    assert rows[0].values == {}
    assert len(rows[0].problems) == 1
    assert rows[0].problems[0].field == "row"
    assert rows[0].problems[0].issue.startswith("is not valid CSV: field larger than field limit")
    assert rows[1] == Row(3, {"name": "Next", "email": "n@example.com"}, ())


def test_an_overlong_line_is_cut_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_reading, "LINE_LIMIT", 64)
    rows = rows_of("Name,Email\n" + "a," * 200 + "\nNext,n@example.com\n")
    assert rows[0].number == 2
    assert RowProblem("row", "has a line longer than 64 characters (cut)", "") in rows[0].problems
    assert rows[1] == Row(3, {"name": "Next", "email": "n@example.com"}, ())


def test_a_header_beyond_the_csv_field_limit_is_refused() -> None:
    huge = "h" * (csv_reading.FIELD_LIMIT + 10)
    reason = refusal(f"Email,{huge}\na@example.com\n", chunk=1 << 20)
    assert reason.startswith("The header row is not valid CSV: field larger than field limit")


@pytest.mark.parametrize("field", ["firstName", "lastName", "name", "company", "tags", "email"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_formulas_in_text_fields_are_problems(field: str, start: str) -> None:
    header = {"firstName": "Vorname", "lastName": "Nachname", "name": "Name"}.get(field, field)
    other = "Phone" if field != "email" else "Name"
    value = f"{start}HYPERLINK('http://evil.example/{'x' * 200}','click')"
    rows = rows_of(f"{other}\t{header}\n1\t{value}\n")
    assert rows[0].problems == (RowProblem(field, f"starts with '{start}' (spreadsheet formula)", value[:100]),)
    assert rows[0].values[field] == value


def test_a_formula_behind_leading_whitespace_is_still_found() -> None:
    rows = rows_of('Name,Email\n"\t =1+2",a@example.com\n')
    assert rows[0].problems == (RowProblem("name", "starts with '=' (spreadsheet formula)", "=1+2"),)


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("+49 170 1234567", None),
        ("-", None),
        ("=1+2", "starts with '=' (spreadsheet formula)"),
        ("@SUM(A1)", "starts with '@' (spreadsheet formula)"),
    ],
)
def test_phone_numbers_may_start_with_plus(phone: str, problem: str | None) -> None:
    rows = rows_of(f"Name,Telefon\nJan,{phone}\n")
    expected = () if problem is None else (RowProblem("phone", problem, phone),)
    assert rows[0].problems == expected
    assert rows[0].values["phone"] == phone


def test_several_problems_of_one_cell_are_all_reported() -> None:
    value = "=" + "\x00" + "z" * 5000
    rows = rows_of(f"Name,Email\n{value},a@example.com\n".encode())
    issues = [problem.issue for problem in rows[0].problems]
    assert issues == ["contains a NUL byte", "longer than 4096 characters", "starts with '=' (spreadsheet formula)"]
    assert all(len(problem.value) <= 100 for problem in rows[0].problems)


# Streaming -------------------------------------------------------------------------------------


def test_open_csv_reads_the_file_at_most_twice_and_streams_the_rows() -> None:
    data = ("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(60_000))).encode()
    calls = 0
    consumed = 0

    def source() -> Iterator[bytes]:
        nonlocal calls, consumed
        calls += 1
        for start in range(0, len(data), 64 * 1024):
            consumed += 1
            yield data[start : start + 64 * 1024]

    _layout, rows = open_csv(source)
    chunks = -(-len(data) // (64 * 1024))
    assert consumed == chunks + 1  # pass 1 over everything, pass 2 only as far as the header
    first = next(rows)
    assert first == Row(2, {"name": "P0", "email": "p0@example.com"}, ())
    assert consumed - chunks <= 8  # pass 2 holds a bounded read-ahead, not the file
    assert sum(1 for _ in rows) == 59_999
    assert calls == 2


def test_an_object_changed_between_the_passes_does_not_raise() -> None:
    calls = 0

    def source() -> Iterator[bytes]:
        nonlocal calls
        calls += 1
        yield b"Name,Email\nJan,j@example.com\n" if calls == 1 else b"Name,Email\nJ\xff\xfen,j@example.com\n"

    _layout, rows = open_csv(source)
    assert [row.values["name"] for row in rows] == ["J\ufffd\ufffdn"]


def test_hostile_random_input_raises_nothing_but_csv_refused() -> None:
    generator = random.Random(20240601)
    tokens = ['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", "=", "+", "-", "@", "a", "é", " ", "\ufeff", "x" * 5000]
    rare = ["\x00", "\x81", "\x1b"]
    headers = ["", "Name,Email\n", "Name;E-Mail;Telefon\r\n", "Email\tName\tTags\n", '"Name","Mail"\n']
    read_rows = 0
    for _ in range(400):
        pieces = [
            generator.choice(rare if generator.random() < 0.02 else tokens) for _ in range(generator.randrange(120))
        ]
        text = generator.choice(headers) + "".join(pieces)
        data = text.encode(generator.choice(["utf-8", "cp1252"]), errors="replace")
        if generator.random() < 0.1:
            data = generator.randbytes(generator.randrange(1, 64)) + data
        try:
            _layout, rows = open_csv(source_of(data, generator.randrange(1, 9) * 100))
        except CsvRefused as refused:
            assert refused.reason
            continue
        for row in rows:
            read_rows += 1
            assert row.number >= 2
            assert all(problem.field in (*csv_reading.FIELDS, "row") for problem in row.problems)
            assert all(len(problem.value) <= 100 for problem in row.problems)
            assert set(row.values) <= set(csv_reading.FIELDS)
    assert read_rows > 1000  # the input reaches the row reader, not only the refusals


def test_parsing_100_000_rows_is_fast() -> None:
    lines = ["Vorname;Nachname;E-Mail;Telefon;Firma;Tags\r\n"]
    lines += [f'Jörg{i};Müller{i};u{i}@example.com;+49 170 {i:07d};"ACME; GmbH";lead\r\n' for i in range(100_000)]
    data = "".join(lines).encode()
    started = time.perf_counter()
    _layout, rows = open_csv(source_of(data, 1024 * 1024))
    count = sum(1 for _ in rows)
    elapsed = time.perf_counter() - started
    assert count == 100_000
    assert elapsed < 4.0  # about 0.5 s on CPython 3.11; the bound catches accidental quadratic work


# Resuming at a byte offset ---------------------------------------------------------------------


def range_source_of(data: bytes, chunk: int = 5) -> csv_reading.RangeSource:
    """Like `source_of`, but from any byte on (what an S3 Range GET gives)."""

    def source(start: int = 0) -> Iterator[bytes]:
        for offset in range(start, len(data), chunk):
            yield data[offset : offset + chunk]

    return source


def assert_resumes_everywhere(data: bytes, chunk: int = 5) -> list[Row]:
    """Resumed right after any row, the reader gives exactly the rows one pass gives after it, with
    their numbers and ends; the last row ends at the end of the file."""
    layout, whole = open_csv(range_source_of(data, chunk))
    rows = list(whole)
    assert [row.end for row in rows] == sorted(row.end for row in rows)
    for index, row in enumerate(rows):
        again, rest = csv_reading.resume_csv(
            range_source_of(data, chunk), layout.encoding, layout.delimiter, row.end, row.number
        )
        assert again == layout
        resumed = list(rest)
        assert resumed == rows[index + 1 :], index
        assert [r.end for r in resumed] == [r.end for r in rows[index + 1 :]], index
    return rows


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("chunk", [1, 3, 7, 4096])
def test_rows_resume_after_any_row_with_every_line_end(end: str, chunk: int) -> None:
    text = end.join(
        [
            "Name,Email,Tags",
            '"Multi' + end + "line" + end + 'name",m@example.com,a',
            "",
            "Plain,p@example.com,",
            '"Quote ""q""",q@example.com,"x,y"',
            ",,",
            "Last,l@example.com,z",
        ]
    )
    rows = assert_resumes_everywhere(text.encode(), chunk)
    assert [row.number for row in rows] == [2, 4, 5, 7]
    assert rows[0].values["name"] == f"Multi{end}line{end}name"
    assert rows[-1].end == len(text.encode())


def test_rows_resume_in_a_file_with_a_bom_and_in_windows_1252() -> None:
    bom = '\ufeffVorname;E-Mail\r\nJürgen;j@example.com\r\nÄnne;"ä\r\nb"\r\nZoë;z@example.com\r\n'.encode()
    rows = assert_resumes_everywhere(bom, 2)
    assert rows[0].values == {"firstName": "Jürgen", "email": "j@example.com"}
    assert rows[0].end == len("\ufeffVorname;E-Mail\r\nJürgen;j@example.com\r\n".encode())
    cp1252 = 'Name\tEmail\nJürgen Größe\tj@example.com\n"Ä\nB"\tb@example.com\n€uro\te@example.com'.encode("cp1252")
    layout, _ = open_csv(source_of(cp1252))
    assert layout.encoding == "cp1252"
    rows = assert_resumes_everywhere(cp1252, 3)
    assert [row.values["name"] for row in rows] == ["Jürgen Größe", "Ä\nB", "€uro"]


def test_rows_resume_after_broken_and_overlong_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_reading, "LINE_LIMIT", 64)
    text = (
        "Name,Email\n" + "a," * 200 + "\nOk,o@example.com\n" + "é" * 70 + ",x@example.com\r\n" + 'Open,"unterminated\n'
    )
    rows = assert_resumes_everywhere(text.encode(), 9)
    assert [row.number for row in rows] == [2, 3, 4, 5]
    assert any("longer than 64 characters" in problem.issue for problem in rows[2].problems)
    assert rows[-1].end == len(text.encode())


def test_resuming_at_the_end_of_the_file_gives_no_rows() -> None:
    data = b"Name,Email\nA,a@example.com\n"
    layout, rows = open_csv(range_source_of(data))
    last = list(rows)[-1]
    assert last.end == len(data)
    _, rest = csv_reading.resume_csv(range_source_of(data), layout.encoding, layout.delimiter, last.end, last.number)
    assert list(rest) == []


def test_hostile_random_input_resumes_exactly() -> None:
    generator = random.Random(20261207)
    tokens = ['"', '""', ",", ";", "\n", "\r\n", "\r", "a", "é", " ", "\ufeff", "x" * 50]
    headers = ["Name,Email\n", "\ufeffName;E-Mail;Telefon\r\n", "Email\tName\r"]
    checked = 0
    for _ in range(60):
        text = generator.choice(headers) + "".join(generator.choice(tokens) for _ in range(generator.randrange(80)))
        data = text.encode(generator.choice(["utf-8", "cp1252"]), errors="replace")
        try:
            open_csv(source_of(data))
        except CsvRefused:
            continue
        checked += len(assert_resumes_everywhere(data, generator.randrange(1, 20)))
    assert checked > 100
