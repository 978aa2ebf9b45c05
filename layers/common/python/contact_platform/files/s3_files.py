"""Streaming S3 I/O with bounded memory: a multipart writer that holds at most one part, and readers
that stream an object in chunks or lines.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from botocore.exceptions import ClientError

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
PART_SIZE = 8 * 1024 * 1024
READ_CHUNK = 1024 * 1024


class MultipartWriter:
    """Writes one S3 object from many `write` calls, buffering at most `part_size` bytes.

    The multipart upload starts with the first full part; a file smaller than one part (also an
    empty one) is written with a single `put_object` on exit. On success `__exit__` completes the
    upload; on an exception it aborts the multipart upload (no orphaned parts) and re-raises.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        *,
        content_type: str,
        part_size: int = PART_SIZE,
        acl: str | None = None,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum part size)")
        self._client = client
        self._bucket = bucket
        self._key = key
        # A canned ACL (`bucket-owner-full-control` for a bucket of another account); None: the
        # bucket's default, which is all a bucket with ACLs disabled accepts besides that one.
        self._object = {"ContentType": content_type, **({"ACL": acl} if acl else {})}
        self._part_size = part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._written = 0
        self._closed = False

    @property
    def bytes_written(self) -> int:
        """Bytes passed to `write` so far."""
        return self._written

    @property
    def buffered(self) -> int:
        """Bytes held in memory, waiting for the next part: never more than `part_size`."""
        return len(self._buffer)

    @property
    def parts_uploaded(self) -> int:
        return len(self._parts)

    def write(self, data: bytes) -> None:
        """Buffer `data`; upload a part whenever the buffer reaches the part size."""
        if self._closed:
            raise ValueError("write to a closed MultipartWriter")
        self._written += len(data)
        view = memoryview(data)
        while view:
            room = self._part_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) >= self._part_size:
                self._upload_part()

    def _upload_part(self) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key, **self._object)
            self._upload_id = str(created["UploadId"])
        number = len(self._parts) + 1
        body = bytes(self._buffer)
        self._buffer.clear()
        uploaded = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"PartNumber": number, "ETag": uploaded["ETag"]})

    def _finish(self) -> None:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer), **self._object)
            self._buffer.clear()
            return
        if self._buffer:
            self._upload_part()
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )

    def _abort(self) -> None:
        self._buffer.clear()
        if self._upload_id is not None:
            # Best effort: the original error is the one worth raising.
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)

    def __enter__(self) -> MultipartWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closed = True
        if exc_type is not None:
            self._abort()
            return
        try:
            self._finish()
        except BaseException:
            self._abort()
            raise


@dataclass(frozen=True)
class ObjectHead:
    size: int
    content_type: str  # as stored with the object ("" when it has none)

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower case: `text/csv; charset=utf-8` -> `text/csv`."""
        return self.content_type.split(";", 1)[0].strip().lower()


def head_object(client: Any, bucket: str, key: str) -> ObjectHead:
    head = client.head_object(Bucket=bucket, Key=key)
    return ObjectHead(int(head.get("ContentLength", 0)), str(head.get("ContentType") or ""))


def _invalid_range(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in ("InvalidRange", "416")


def iter_object(client: Any, bucket: str, key: str, *, chunk_size: int = READ_CHUNK, start: int = 0) -> Iterator[bytes]:
    """The object's body from byte `start` on (a Range GET when it is not 0; nothing when it is at or
    past the object's end) in chunks of at most `chunk_size` bytes."""
    try:
        reply = client.get_object(Bucket=bucket, Key=key, **({"Range": f"bytes={start}-"} if start else {}))
    except ClientError as error:
        if start and _invalid_range(error):
            return
        raise
    body = reply["Body"]
    try:
        for chunk in body.iter_chunks(chunk_size):
            if chunk:
                yield bytes(chunk)
    finally:
        body.close()


def iter_pieces(client: Any, bucket: str, key: str, *, piece: int = READ_CHUNK) -> Iterator[bytes]:
    """The object in pieces of `piece` bytes, each read whole by a Range GET of its own: no
    connection stays open between pieces, so many objects can be read side by side (a merge)."""
    start = 0
    while True:
        try:
            reply = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{start + piece - 1}")
        except ClientError as error:
            if _invalid_range(error):  # an empty object, or the end reached
                return
            raise
        data = reply["Body"].read()
        if data:
            yield data
        start += len(data)
        total = str(reply.get("ContentRange") or "").rpartition("/")[2]
        if not data or not total.isdigit() or start >= int(total):
            return


def object_source(client: Any, bucket: str, key: str) -> Callable[..., Iterator[bytes]]:
    """A byte stream factory for `open_csv` and `resume_csv`: each call streams the object again, from
    the start or from byte `start` (a Range GET)."""

    def source(start: int = 0) -> Iterator[bytes]:
        return iter_object(client, bucket, key, start=start)

    return source


def lines_of(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A byte stream line by line (each with its `\\n`; the last one may lack it). Memory holds one
    chunk plus the longest line."""
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    for chunk in chunks:
        start = 0
        end = chunk.find(b"\n")
        while end >= 0:
            piece = chunk[start : end + 1]
            if pending:
                pending.append(piece)
                piece = b"".join(pending)
                pending.clear()
            yield piece
            start = end + 1
            end = chunk.find(b"\n", start)
        if start < len(chunk):
            pending.append(chunk[start:])
    if pending:
        yield b"".join(pending)


def iter_lines(client: Any, bucket: str, key: str, *, ranged: bool = False) -> Iterator[bytes]:
    """The object line by line (each with its `\\n`; the last one may lack it), for JSON Lines files;
    `ranged`: read in Range GETs of a piece each (`iter_pieces`). Memory holds one chunk plus the
    longest line."""
    return lines_of(iter_pieces(client, bucket, key) if ranged else iter_object(client, bucket, key))
