"""Streaming S3 I/O against in-process moto: the multipart writer and the object readers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from contact_platform.files.csv_reading import Row, open_csv
from contact_platform.files.s3_files import (
    MIN_PART_SIZE,
    PART_SIZE,
    MultipartWriter,
    iter_lines,
    iter_object,
    iter_pieces,
    object_source,
)

BUCKET = "cdp-test-files"
MIB = 1024 * 1024


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


class Recording:
    """A client proxy recording each call's operation name and body size."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            body = kwargs.get("Body")
            self.calls.append((name, len(body) if isinstance(body, bytes | bytearray) else -1))
            return method(**kwargs)

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def body_of(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def pending_uploads(s3: Any) -> list[Any]:
    return list(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []))


def pattern(size: int, seed: int = 0) -> bytes:
    block = bytes((seed + i) % 251 for i in range(251))
    return (block * (size // len(block) + 1))[:size]


# MultipartWriter -------------------------------------------------------------------------------


def test_a_small_file_is_one_put_object(s3: Any) -> None:
    recording = Recording(s3)
    with MultipartWriter(recording, BUCKET, "small.csv", content_type="text/csv; charset=utf-8") as writer:
        writer.write(b"Name,Email\r\n")
        writer.write(b"Jan,jan@example.com\r\n")
    assert writer.bytes_written == 33
    assert recording.names() == ["put_object"]
    assert body_of(s3, "small.csv") == b"Name,Email\r\nJan,jan@example.com\r\n"
    assert s3.head_object(Bucket=BUCKET, Key="small.csv")["ContentType"] == "text/csv; charset=utf-8"


def test_an_empty_file_is_written_too(s3: Any) -> None:
    with MultipartWriter(s3, BUCKET, "empty.jsonl", content_type="application/x-ndjson") as writer:
        pass
    assert writer.bytes_written == 0
    assert body_of(s3, "empty.jsonl") == b""
    assert s3.head_object(Bucket=BUCKET, Key="empty.jsonl")["ContentType"] == "application/x-ndjson"


def test_a_large_file_is_uploaded_in_parts_holding_at_most_one_part(s3: Any) -> None:
    data = pattern(12 * MIB + 12345)
    recording = Recording(s3)
    with MultipartWriter(recording, BUCKET, "big.csv", content_type="text/csv", part_size=MIN_PART_SIZE) as writer:
        for start in range(0, len(data), 300_001):
            writer.write(data[start : start + 300_001])
            assert writer.buffered < MIN_PART_SIZE
    assert writer.bytes_written == len(data)
    assert recording.names() == [
        "create_multipart_upload",
        "upload_part",
        "upload_part",
        "upload_part",
        "complete_multipart_upload",
    ]
    assert [size for name, size in recording.calls if name == "upload_part"] == [
        MIN_PART_SIZE,
        MIN_PART_SIZE,
        len(data) - 2 * MIN_PART_SIZE,
    ]
    assert body_of(s3, "big.csv") == data
    head = s3.head_object(Bucket=BUCKET, Key="big.csv")
    assert head["ETag"].strip('"').endswith("-3")
    assert head["ContentType"] == "text/csv"
    assert pending_uploads(s3) == []


def test_one_write_larger_than_several_parts_is_split_into_parts(s3: Any) -> None:
    data = pattern(11 * MIB, seed=3)
    recording = Recording(s3)
    with MultipartWriter(recording, BUCKET, "one-write", content_type="text/csv", part_size=MIN_PART_SIZE) as writer:
        writer.write(data)
        assert writer.buffered == len(data) - 2 * MIN_PART_SIZE
    assert [size for name, size in recording.calls if name == "upload_part"] == [MIN_PART_SIZE, MIN_PART_SIZE, MIB]
    assert body_of(s3, "one-write") == data


def test_an_exact_multiple_of_the_part_size_has_no_empty_last_part(s3: Any) -> None:
    data = pattern(2 * MIN_PART_SIZE, seed=5)
    recording = Recording(s3)
    with MultipartWriter(recording, BUCKET, "exact", content_type="text/csv", part_size=MIN_PART_SIZE) as writer:
        writer.write(data[:MIB])
        writer.write(data[MIB:])
    assert [size for name, size in recording.calls if name == "upload_part"] == [MIN_PART_SIZE, MIN_PART_SIZE]
    assert body_of(s3, "exact") == data


def test_an_error_inside_the_block_aborts_the_upload_and_is_re_raised(s3: Any) -> None:
    recording = Recording(s3)
    with (
        pytest.raises(RuntimeError, match="chunk failed"),
        MultipartWriter(recording, BUCKET, "failed.csv", content_type="text/csv", part_size=MIN_PART_SIZE) as writer,
    ):
        writer.write(pattern(MIN_PART_SIZE + 10))
        raise RuntimeError("chunk failed")
    assert recording.names() == ["create_multipart_upload", "upload_part", "abort_multipart_upload"]
    assert pending_uploads(s3) == []
    with pytest.raises(ClientError, match=r"NoSuchKey|Not Found|404"):
        s3.head_object(Bucket=BUCKET, Key="failed.csv")


def test_an_error_before_the_first_part_writes_nothing(s3: Any) -> None:
    recording = Recording(s3)
    with (
        pytest.raises(ValueError, match="bad row"),
        MultipartWriter(recording, BUCKET, "x", content_type="text/csv") as w,
    ):
        w.write(b"some bytes")
        raise ValueError("bad row")
    assert recording.calls == []
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


class _FailingComplete:
    """A client whose complete_multipart_upload fails the way S3 does when it has an internal error."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        if name == "complete_multipart_upload":
            return self._fail
        return getattr(self._client, name)

    @staticmethod
    def _fail(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "try again"}}, "CompleteMultipartUpload")


def test_a_failing_complete_aborts_the_upload_and_raises(s3: Any) -> None:
    recording = Recording(_FailingComplete(s3))
    with (
        pytest.raises(ClientError),
        MultipartWriter(recording, BUCKET, "gone", content_type="text/csv", part_size=MIN_PART_SIZE) as writer,
    ):
        writer.write(pattern(MIN_PART_SIZE + 1))
    assert recording.names() == [
        "create_multipart_upload",
        "upload_part",
        "upload_part",
        "complete_multipart_upload",
        "abort_multipart_upload",
    ]
    assert pending_uploads(s3) == []
    with pytest.raises(ClientError):
        s3.head_object(Bucket=BUCKET, Key="gone")


def test_the_part_size_must_be_at_least_s3s_minimum(s3: Any) -> None:
    assert PART_SIZE == 8 * MIB
    with pytest.raises(ValueError, match="at least"):
        MultipartWriter(s3, BUCKET, "k", content_type="text/csv", part_size=MIN_PART_SIZE - 1)


def test_writing_after_the_block_is_an_error(s3: Any) -> None:
    with MultipartWriter(s3, BUCKET, "closed", content_type="text/csv") as writer:
        writer.write(b"a")
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"b")
    assert body_of(s3, "closed") == b"a"


# Readers ---------------------------------------------------------------------------------------


def test_iter_object_streams_the_body_in_chunks(s3: Any) -> None:
    data = pattern(2 * MIB + 17)
    s3.put_object(Bucket=BUCKET, Key="obj", Body=data)
    chunks = list(iter_object(s3, BUCKET, "obj", chunk_size=MIB))
    assert [len(chunk) for chunk in chunks] == [MIB, MIB, 17]
    assert b"".join(chunks) == data


def test_iter_object_of_a_missing_key_raises_no_such_key(s3: Any) -> None:
    with pytest.raises(ClientError, match="NoSuchKey"):
        list(iter_object(s3, BUCKET, "missing"))


def test_object_source_streams_the_object_again_on_each_call_for_open_csv(s3: Any) -> None:
    s3.put_object(
        Bucket=BUCKET, Key="import.csv", Body="\ufeffVorname;Nachname;E-Mail\r\nJörg;Müller;j@example.com\r\n".encode()
    )
    source = object_source(s3, BUCKET, "import.csv")
    assert b"".join(source()) == b"".join(source())
    layout, rows = open_csv(source)
    assert (layout.encoding, layout.delimiter) == ("utf-8", ";")
    assert list(rows) == [Row(2, {"firstName": "Jörg", "lastName": "Müller", "email": "j@example.com"}, ())]


def test_iter_lines_yields_lines_with_their_newline_across_chunk_boundaries(s3: Any) -> None:
    long_line = b'{"x":"' + b"y" * (2 * MIB + 5) + b'"}\n'  # spans three 1 MiB chunks
    lines = [b'{"row":1}\n', b"\n", long_line, b'{"row":3}\r\n', b'{"row":4}']
    s3.put_object(Bucket=BUCKET, Key="chunk.jsonl", Body=b"".join(lines))
    assert list(iter_lines(s3, BUCKET, "chunk.jsonl")) == lines


def test_iter_lines_of_an_empty_object_yields_nothing(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    assert list(iter_lines(s3, BUCKET, "empty")) == []


def test_written_json_lines_read_back_line_by_line(s3: Any) -> None:
    lines = [f'{{"row":{i}}}\n'.encode() for i in range(10_000)]
    with MultipartWriter(s3, BUCKET, "scratch.jsonl", content_type="application/x-ndjson") as writer:
        for line in lines:
            writer.write(line)
    assert list(iter_lines(s3, BUCKET, "scratch.jsonl")) == lines


def test_iter_object_from_an_offset_reads_a_range_and_nothing_at_or_past_the_end(s3: Any) -> None:
    data = pattern(MIB + 100)
    s3.put_object(Bucket=BUCKET, Key="obj", Body=data)
    assert b"".join(iter_object(s3, BUCKET, "obj", start=MIB)) == data[MIB:]
    assert list(iter_object(s3, BUCKET, "obj", start=len(data))) == []
    assert list(iter_object(s3, BUCKET, "obj", start=len(data) + 5)) == []
    source = object_source(s3, BUCKET, "obj")
    assert b"".join(source(7)) == data[7:] and b"".join(source()) == data


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 1000])
def test_iter_pieces_reads_the_object_in_ranges(s3: Any, size: int) -> None:
    data = pattern(size)
    s3.put_object(Bucket=BUCKET, Key="obj", Body=data)
    pieces = list(iter_pieces(s3, BUCKET, "obj", piece=100))
    assert b"".join(pieces) == data and all(len(piece) <= 100 for piece in pieces)
    assert len(pieces) == -(-size // 100)


def test_ranged_iter_lines_gives_the_same_lines(s3: Any) -> None:
    lines = [f'{{"row":{i}}}\n'.encode() for i in range(1000)]
    s3.put_object(Bucket=BUCKET, Key="lines.jsonl", Body=b"".join(lines))
    assert list(iter_lines(s3, BUCKET, "lines.jsonl", ranged=True)) == lines
