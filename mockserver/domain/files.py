"""Files: uploaded bytes and their metadata. No HTTP here.

Metadata lives in the TinyDB table ``files`` (one record per file id, shaped like the wire
``File`` plus the private ``content_type``, ``sha256`` and ``signing_key``). The bytes never enter
the TinyDB file: without ``--db`` they are kept in memory; with ``--db PATH`` each file is one
file named by its id in the folder ``PATH.files/`` beside the database (written to a temporary
file, flushed and renamed into place before its metadata is recorded, so a crash never leaves a
record without its bytes).

Names are sanitized (the last path component only, no control characters, at most 255
characters), so no name can point outside the store; the bytes are addressed by id anyway.
Content is read back through signed, expiring URLs (``presign``/``open_signed``), like the real
service's presigned S3 URLs, which clients fetch without authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import math
import mimetypes
import mmap
import os
import secrets
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from tinydb.table import Document

from mockserver.domain.clock import format_epoch
from mockserver.domain.errors import AccessDenied, InvalidField, NotFound, PayloadTooLarge
from mockserver.domain.store import Store, StoreContext

log = logging.getLogger("llamacloud_mock.files")

DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes (--max-file-size)
DEFAULT_URL_LIFETIME = 3600  # seconds a content URL stays valid when the request names none
MAX_NAME_LENGTH = 255
PRIVATE_FIELDS = ("content_type", "sha256", "signing_key", "seq")  # seq: creation order, for newest-first lists


def sanitize_name(raw: str | None, default: str = "file") -> str:
    """A file name safe to show and store: the last path component, printable, at most 255 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in ("", ".", ".."):
        return default
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) < 16:
            name = stem[: MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def file_type_of(name: str) -> str | None:
    """The extension as the API reports it (``pdf``), or None."""
    stem, dot, suffix = name.rpartition(".")
    return suffix.lower() if dot and stem and suffix else None


def content_type_of(name: str, declared: str | None) -> str:
    """The declared content type unless it says nothing, else a guess from the name."""
    if declared and declared.split(";")[0].strip().lower() not in ("", "application/octet-stream"):
        return declared
    return mimetypes.guess_type(name)[0] or declared or "application/octet-stream"


class _MappedBytes:
    """Bytes kept in an anonymous memory map: the system gets the memory back when it is closed.
    (As a bytes object, a file's memory stayed with the allocator after its deletion: 200
    uploads of 1 MiB, then deleted, left the process 210 MB larger, for good.)"""

    __slots__ = ("_map", "_size")

    def __init__(self, content: bytes):
        self._size = len(content)
        self._map = mmap.mmap(-1, max(self._size, 1))
        self._map.write(content)

    def read(self) -> bytes:
        return self._map[: self._size]

    def close(self) -> None:
        self._map.close()


class BlobStore:
    """File bytes by file id: in memory maps, or one file each in a folder."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._memory: dict[str, _MappedBytes] = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def put(self, file_id: str, content: bytes) -> None:
        if self.folder is None:
            self.delete(file_id)
            self._memory[file_id] = _MappedBytes(content)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{file_id}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.folder / file_id)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, file_id: str) -> bytes:
        if self.folder is None:
            return self._memory[file_id].read()
        return (self.folder / file_id).read_bytes()

    def delete(self, file_id: str) -> None:
        if self.folder is None:
            blob = self._memory.pop(file_id, None)
            if blob is not None:
                blob.close()
        else:
            (self.folder / file_id).unlink(missing_ok=True)

    def keep_only(self, file_ids: set[str]) -> None:
        """Remove the bytes of every file but these (reset: none; restore: a snapshot's)."""
        for file_id in [f for f in self._memory if f not in file_ids]:
            self.delete(file_id)
        self.remove_orphans(file_ids)

    def remove_orphans(self, known: set[str]) -> int:
        """Delete bytes no record refers to (left by a crash between the two writes of a deletion)."""
        if self.folder is None:
            return 0
        orphans = [p for p in self.folder.iterdir() if p.is_file() and p.name not in known]
        for path in orphans:
            path.unlink(missing_ok=True)
        return len(orphans)


class FileStore(Store):
    TABLE = "files"

    def __init__(
        self, context: StoreContext, blob_folder: Path | None = None, max_file_size: int = DEFAULT_MAX_FILE_SIZE
    ):
        self.table = context.db.table(self.TABLE)
        self.clock = context.clock
        self.ids = context.ids
        self.default_project_id = context.default_project_id
        self.max_file_size = max_file_size
        self.blobs = BlobStore(blob_folder)
        self._records = self.table.documents()
        removed = self.blobs.remove_orphans(set(self._records))
        if removed:
            log.info("removed %d stored file(s) without metadata from %s", removed, blob_folder)

    # ------------------------------------------------------------------ reset, snapshot, restore
    def snapshot(self) -> dict[str, Any]:
        """``files``: every file's bytes, base64, by file id."""
        files = {}
        for file_id in list(self._records):
            try:
                files[file_id] = base64.b64encode(self.blobs.get(file_id)).decode()
            except (KeyError, FileNotFoundError):
                continue  # bytes already gone: the record alone is kept, as the store holds it
        return {"files": files}

    def restoring(self, snapshot: dict[str, Any]) -> None:
        try:
            blobs = {
                file_id: base64.b64decode(data, validate=True)
                for file_id, data in (snapshot.get("files") or {}).items()
            }
        except (binascii.Error, ValueError, TypeError):
            raise InvalidField(("body", "files"), "every file's content must be base64") from None
        for file_id, content in blobs.items():
            self.blobs.put(file_id, content)  # bytes before records, as at upload

    def restored(self, snapshot: dict[str, Any]) -> None:
        self.blobs.keep_only(set(snapshot.get("files") or {}))  # and old bytes removed after their records

    def reset(self) -> None:
        self.blobs.keep_only(set())  # after the records: a crash in between leaves orphans, removed at start

    # ------------------------------------------------------------------ CRUD
    def check_size(self, size: int) -> None:
        if size > self.max_file_size:
            raise PayloadTooLarge(size, self.max_file_size)

    def create(
        self,
        name: str | None,
        content: bytes,
        project_id: str | None,
        content_type: str | None = None,
        external_file_id: str | None = None,
        purpose: str | None = None,
        file_id: str | None = None,
    ) -> dict[str, Any]:
        """A new file; ``file_id`` (fixtures, lenient mode) instead of a generated id."""
        self.check_size(len(content))
        clean = sanitize_name(name)
        now = self.clock.now_iso()
        record = {
            "id": file_id or self.ids.uuid(),
            "name": clean,
            "project_id": project_id or self.default_project_id,
            "external_file_id": external_file_id or clean,
            "file_size": len(content),
            "file_type": file_type_of(clean),
            "purpose": purpose,
            "data_source_id": None,
            "permission_info": None,
            "resource_info": None,
            "created_at": now,
            "updated_at": now,
            "last_modified_at": now,
            "expires_at": None,
            "content_type": content_type_of(clean, content_type),
            "sha256": hashlib.sha256(content).hexdigest(),
            "signing_key": secrets.token_hex(16),
            "seq": self._next_seq(),
        }
        self.blobs.put(record["id"], content)
        self.table.insert(Document(record, doc_id=record["id"]))
        return self._records[record["id"]]

    def _next_seq(self) -> int:
        """One more than any file's: the newest file is the last inserted (a restore keeps the order)."""
        last = next(reversed(self._records.values()), None)
        self._seq = max(getattr(self, "_seq", 0), last.get("seq", 0) if last else 0) + 1
        return self._seq

    def get(self, file_id: str, project_id: str | None = None) -> dict[str, Any]:
        """The record; a project named by the request must be the file's (else it is invisible)."""
        record = self._records.get(file_id)
        if record is None or (project_id and record["project_id"] != project_id):
            raise NotFound("File", file_id)
        return record

    def find(self, file_id: str) -> dict[str, Any] | None:
        return self._records.get(file_id)

    def list(self, project_id: str | None, external_file_id: str | None = None, name: str | None = None) -> list[dict]:
        project = project_id or self.default_project_id
        return [
            r
            for r in self._records.values()
            if r["project_id"] == project
            and (external_file_id is None or r["external_file_id"] == external_file_id)
            and (name is None or r["name"] == name)
        ]

    def delete(self, file_id: str, project_id: str | None = None) -> None:
        self.get(file_id, project_id)
        self.table.remove(doc_ids=[file_id])
        self.blobs.delete(file_id)

    def public(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as the API shows it (the wire ``File``): without the private fields."""
        return {k: v for k, v in record.items() if k not in PRIVATE_FIELDS}

    def content(self, file_id: str) -> bytes:
        self.get(file_id)
        return self.blobs.get(file_id)

    # ------------------------------------------------------------------ signed content URLs
    def _signature(self, record: dict[str, Any], expires: int) -> str:
        message = f"{record['id']}:{expires}".encode()
        return hmac.new(record["signing_key"].encode(), message, hashlib.sha256).hexdigest()[:32]

    def presign(self, file_id: str, project_id: str | None, lifetime: int | None) -> tuple[str, str]:
        """(token, expires_at): the last path segment of a content URL, and when it expires."""
        record = self.get(file_id, project_id)
        expires = math.ceil(self.clock.time() + (DEFAULT_URL_LIFETIME if lifetime is None else lifetime))
        token = f"{expires}.{self._signature(record, expires)}"
        return token, format_epoch(expires)

    def open_signed(self, file_id: str, token: str) -> tuple[dict[str, Any], bytes]:
        """The record and bytes a content URL grants, or AccessDenied/NotFound."""
        record = self.get(file_id)
        expires_text, _, signature = token.partition(".")
        if not expires_text.isdigit() or not hmac.compare_digest(signature, self._signature(record, int(expires_text))):
            raise AccessDenied(
                "The signature of this URL does not match: request a new one from GET /api/v1/files/{id}/content."
            )
        if self.clock.time() > int(expires_text):
            raise AccessDenied("This URL has expired: request a new one from GET /api/v1/files/{id}/content.")
        return record, self.blobs.get(file_id)
