"""TinyDB as the fake's store, without TinyDB's O(N)-per-write cost, and crash-safe on disk.

Stock TinyDB re-reads and rewrites the whole table on every insert. Here:

* every table lives in memory and is updated in place (``InPlaceTable``), so a write costs
  O(size of the change), and the record id is TinyDB's own ``doc_id`` (a string);
* with a path, the persisted state is TinyDB's ordinary JSON file (``{table: {doc_id: doc}}``;
  stock TinyDB reads it with a table whose ``document_id_class`` is ``str``, as ids are strings)
  plus a write-ahead log beside it (``PATH.wal``): each write
  appends one JSON line holding every document it changed, so a write is acknowledged only once
  it is in the operating system's hands and a ``kill -9`` loses nothing;
* the JSON file is rewritten (temp file, fsync, rename: never torn) when the log holds as many
  entries as the file holds documents, or as many bytes as the file (at least
  ``COMPACT_MIN_BYTES``: a big document rewritten again and again), and on a clean shutdown:
  amortised O(1) per write, and a log never larger than the state file (or 16 MiB).

A reset or a restore is one log entry too, ``["*", {table: {id: document}}]``: the whole new state.

Replaying the log is idempotent (each line holds whole documents or deletions), so a crash at
any point, even between the rename and the log truncation, recovers the last acknowledged state.
A torn last line, from a crash in the middle of an append, is ignored; the temp file of a
compaction cut short (``PATH.*.tmp``) is removed at start.
"""

from __future__ import annotations

import glob
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from mockserver import jsonio

log = logging.getLogger("llamacloud_mock.storage")

Tables = dict[str, dict[str, dict]]
_DELETED = None
REPLACE_ALL = "*"  # the table name of a log entry holding the whole state (reset, restore)
COMPACT_MIN_BYTES = 16 * 1024 * 1024  # a log this large is compacted, however small the file


class StateFileError(RuntimeError):
    """The persisted state cannot be read; the message says which file and what to do."""


class _ChangeTracker(MutableMapping):
    """Wraps a table's live dict while a TinyDB updater runs and notes which ids it touched.

    TinyDB's updaters mutate documents in place (``table[doc_id].update(...)``), so every key
    read through ``__getitem__`` counts as possibly changed.
    """

    def __init__(self, docs: dict[str, dict]):
        self.docs = docs
        self.touched: set[str] = set()

    def __getitem__(self, doc_id):
        doc_id = str(doc_id)
        doc = self.docs[doc_id]
        self.touched.add(doc_id)
        return doc

    def __setitem__(self, doc_id, doc):
        doc_id = str(doc_id)
        self.docs[doc_id] = doc
        self.touched.add(doc_id)

    def __delitem__(self, doc_id):
        doc_id = str(doc_id)
        del self.docs[doc_id]
        self.touched.add(doc_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self.docs)

    def __len__(self) -> int:
        return len(self.docs)

    def __contains__(self, doc_id) -> bool:
        return str(doc_id) in self.docs

    def clear(self) -> None:
        self.touched.update(self.docs)
        self.docs.clear()


class InPlaceTable(Table):
    """A TinyDB table whose writes touch only the documents they change.

    Document ids are strings chosen by the caller (insert a ``Document(value, doc_id=...)``).
    """

    document_id_class = str

    def _update_table(self, updater: Callable[[dict], None]) -> None:
        storage: LogStorage = self._storage  # type: ignore[assignment]
        tracker = _ChangeTracker(storage.live_table(self.name))
        updater(tracker)  # type: ignore[arg-type]
        storage.log_changes(self.name, tracker.docs, tracker.touched)
        self.clear_cache()

    def documents(self) -> Mapping[str, dict]:
        """The live documents by id. Read-only by contract: write through the Table API."""
        return self._storage.live_table(self.name)  # type: ignore[attr-defined]

    def _get_next_id(self):
        raise TypeError(f"table {self.name!r}: insert Document(value, doc_id=...) with an explicit id")


class LogStorage(Storage):
    """TinyDB storage holding all tables in memory, optionally persisted as snapshot + log."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        compact_min_entries: int = 1000,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
    ):
        self.path = Path(path) if path else None
        self.wal_path = self.path.with_name(self.path.name + ".wal") if self.path else None
        self.compact_min_entries = compact_min_entries
        self.compact_min_bytes = compact_min_bytes
        self._tables: Tables = {}
        self._wal = None
        self._wal_entries = 0
        self._wal_bytes = 0
        self._compacted_size = 0  # documents in the JSON file at the last compaction
        self._compacted_bytes = 0  # and its size in bytes
        if self.path:
            self._load()
            self._wal = open(self.wal_path, "ab")  # noqa: SIM115 - kept open for appends

    # -- TinyDB's Storage interface (used for whole-database operations such as drop_tables)
    def read(self) -> Tables:
        return self._tables

    def write(self, data: Tables) -> None:
        self._tables = data
        self.compact()

    def close(self) -> None:
        if self._wal is not None:
            self.compact()
            self._wal.close()
            self._wal = None

    # -- in-place access used by InPlaceTable
    def live_table(self, name: str) -> dict[str, dict]:
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = {}
        return table

    def log_changes(self, table: str, docs: dict[str, dict], touched: set[str]) -> None:
        if self._wal is None or not touched:
            return
        change = {doc_id: docs.get(doc_id, _DELETED) for doc_id in touched}
        self._append(jsonio.dumps([table, change]) + b"\n")

    def _append(self, line: bytes) -> None:
        self._wal.write(line)
        self._wal.flush()  # in the OS's hands: survives a killed process
        self._wal_entries += 1
        self._wal_bytes += len(line)
        if self._wal_entries >= max(self.compact_min_entries, self._compacted_size) or self._wal_bytes >= max(
            self.compact_min_bytes, self._compacted_bytes
        ):
            self.compact()  # the log is as long as the file: rewriting it now is amortised O(1)

    def replace_all(self, tables: Tables) -> None:
        """Make ``tables`` the whole state (reset: ``{}``; restore: a snapshot's).

        Each table's dict is emptied and refilled in place, so whoever holds a live table (the
        domain stores do) sees the new state. With a path it is one log entry, ``["*", tables]``,
        acknowledged like any write (no fsync: a reset stays well under 10 ms).
        """
        self._replace(tables)
        if self._wal is not None:
            self._append(jsonio.dumps([REPLACE_ALL, tables]) + b"\n")

    def _replace(self, tables: Tables) -> None:
        for docs in self._tables.values():
            docs.clear()
        for name, docs in tables.items():
            self.live_table(name).update(docs)

    # -- persistence
    def compact(self) -> None:
        """Write the whole state to the JSON file atomically, then empty the log."""
        if self.path is None:
            return
        payload = jsonio.dumps(self._tables)
        self._atomic_write(payload)
        self._compacted_size = self._document_count()
        self._compacted_bytes = len(payload)
        if self._wal is not None:
            self._wal.truncate(0)
            self._wal.seek(0)
        self._wal_entries = self._wal_bytes = 0

    def _document_count(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def _atomic_write(self, payload: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load(self) -> None:
        for leftover in self.path.parent.glob(glob.escape(self.path.name) + ".*.tmp"):
            leftover.unlink(missing_ok=True)  # a compaction cut short by a kill: never renamed into place
        if self.path.exists() and self.path.stat().st_size > 0:
            try:
                loaded = jsonio.loads(self.path.read_bytes())
            except ValueError as e:
                raise StateFileError(
                    f"{self.path} is not a TinyDB JSON file ({e}). It was not written by "
                    "llamacloud-mock, which never leaves a torn file: move it away or pass another --db."
                ) from None
            if not isinstance(loaded, dict) or not all(isinstance(t, dict) for t in loaded.values()):
                raise StateFileError(
                    f"{self.path} does not hold TinyDB tables ({{table: {{id: document}}}}): it was written by "
                    "another program. Move it away or pass another --db."
                )
            self._tables = loaded
        replayed = self._replay_log()
        if replayed:
            log.info("recovered %d logged writes from %s", replayed, self.wal_path)
            self.compact()

    def _replay_log(self) -> int:
        if not self.wal_path.exists():
            return 0
        lines = self.wal_path.read_bytes().split(b"\n")
        replayed = 0
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                table, change = jsonio.loads(line)
            except ValueError:
                if number >= len(lines) - 1:  # a torn last append: the write was never acknowledged
                    log.warning("ignoring a torn last entry in %s", self.wal_path)
                    break
                raise StateFileError(
                    f"{self.wal_path} line {number} is corrupt. Move the file away to start from "
                    f"{self.path} alone (the writes after its last compaction are then lost)."
                ) from None
            if table == REPLACE_ALL:
                self._replace(change)
                replayed += 1
                continue
            docs = self.live_table(table)
            for doc_id, doc in change.items():
                if doc is _DELETED:
                    docs.pop(doc_id, None)
                else:
                    docs[doc_id] = doc
            replayed += 1
        return replayed


class Database(TinyDB):
    """TinyDB with in-place tables on ``LogStorage``: in memory, or persisted at ``path``."""

    table_class = InPlaceTable

    def __init__(self, path: str | os.PathLike | None = None):
        super().__init__(path, storage=LogStorage)

    def table(self, name: str, **kwargs) -> InPlaceTable:  # narrowed return type
        return super().table(name, **kwargs)  # type: ignore[return-value]

    def replace_all(self, tables: Tables) -> None:
        """Replace every table's documents (see ``LogStorage.replace_all``), TinyDB's caches included."""
        self.storage.replace_all(tables)
        for table in self._tables.values():
            table.clear_cache()

    def export(self) -> Tables:
        """Every table's documents (live: serialize them before the next write)."""
        return self.storage.read()
