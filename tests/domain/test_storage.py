"""Persistence: TinyDB's JSON file plus a write-ahead log; atomic, crash-safe, O(1) per write."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import orjson
import pytest
from tinydb import TinyDB
from tinydb.table import Document, Table

from mockserver.storage import Database, LogStorage, StateFileError
from mockserver.testing import run_server


def insert(db: Database, doc_id: str, **value) -> None:
    db.table("t").insert(Document(value, doc_id=doc_id))


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def test_state_survives_a_clean_restart_as_a_plain_tinydb_file(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    insert(db, "a", n=1)
    insert(db, "b", n=2)
    db.table("t").update({"n": 3}, doc_ids=["b"])
    db.table("t").remove(doc_ids=["a"])
    db.close()
    assert wal(path).read_bytes() == b""  # a clean shutdown leaves nothing to replay
    assert orjson.loads(path.read_bytes()) == {"t": {"b": {"n": 3}}}

    class StringIdTable(Table):
        document_id_class = str

    stock = TinyDB(path)  # stock TinyDB reads the same file, given that ids are strings
    stock.table_class = StringIdTable
    assert [(d.doc_id, dict(d)) for d in stock.table("t").all()] == [("b", {"n": 3})]
    stock.close()
    assert Database(path).table("t").documents() == {"b": {"n": 3}}


def test_acknowledged_writes_survive_without_a_clean_shutdown(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    insert(db, "a", n=1)
    db.table("t").update({"n": 2}, doc_ids=["a"])
    insert(db, "b", n=5)
    # no close(): as after kill -9, only the log holds these writes
    assert not path.exists() or orjson.loads(path.read_bytes()) == {}
    assert Database(path).table("t").documents() == {"a": {"n": 2}, "b": {"n": 5}}


def test_a_torn_last_log_entry_is_ignored_whole(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    for i in range(5):
        insert(db, str(i), n=i)
    db.table("t").remove(doc_ids=["0", "1", "2", "3"])  # one entry for all four deletions
    log = wal(path).read_bytes()
    wal(path).write_bytes(log[: len(log) - 10])  # the crash hit in the middle of that append
    recovered = Database(path).table("t").documents()
    assert sorted(recovered) == ["0", "1", "2", "3", "4"]  # all or nothing: none of the four deleted


def test_a_corrupt_log_in_the_middle_is_refused_with_advice(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    insert(db, "a", n=1)
    insert(db, "b", n=2)
    lines = wal(path).read_bytes().split(b"\n")
    wal(path).write_bytes(b"\n".join([b"garbage", *lines[1:]]))
    with pytest.raises(StateFileError, match=r"line 1 is corrupt. Move the file away"):
        Database(path)


def test_a_foreign_state_file_is_refused_clearly(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("not json")
    with pytest.raises(StateFileError, match="is not a TinyDB JSON file"):
        Database(path)
    path.write_text("[1, 2]")
    with pytest.raises(StateFileError, match=r"does not hold TinyDB tables .*Move it away or pass another --db\.$"):
        Database(path)


def test_the_file_is_rewritten_rarely_and_atomically(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    storage = LogStorage(path, compact_min_entries=100)
    writes = []
    real_write = storage._atomic_write
    monkeypatch.setattr(storage, "_atomic_write", lambda payload: (writes.append(len(payload)), real_write(payload)))
    table = storage.live_table("t")
    for i in range(1000):
        table[str(i)] = {"n": i}
        storage.log_changes("t", table, {str(i)})
    # compaction happens when the log holds as many entries as the file documents (at least 100):
    # at 100, 200, 400 and 800 documents, 4 rewrites for 1,000 writes: amortised O(1)
    assert len(writes) == 4
    assert orjson.loads(path.read_bytes())["t"].keys() == {str(i) for i in range(800)}
    assert not list(tmp_path.glob("*.tmp"))  # temp files are renamed into place, never left behind


def test_a_crash_during_compaction_keeps_the_old_file_and_the_log(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    db = Database(path)
    insert(db, "a", n=1)
    db.close()
    db = Database(path)
    insert(db, "b", n=2)

    def crash(*_args):
        raise OSError("disk vanished")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        db.storage.compact()
    monkeypatch.undo()
    assert orjson.loads(path.read_bytes()) == {"t": {"a": {"n": 1}}}  # the old file, untouched
    assert not list(tmp_path.glob("*.tmp"))
    assert Database(path).table("t").documents() == {"a": {"n": 1}, "b": {"n": 2}}


def test_replacing_the_whole_state_is_one_log_entry(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    insert(db, "a", n=1)
    db.close()
    db = Database(path)
    live = db.table("t").documents()
    db.replace_all({"t": {"b": {"n": 2}}, "u": {"c": {"n": 3}}})  # a restore
    assert live == {"b": {"n": 2}}  # the same dict, refilled in place: stores keep their references
    assert orjson.loads(wal(path).read_bytes()) == ["*", {"t": {"b": {"n": 2}}, "u": {"c": {"n": 3}}}]
    insert(db, "d", n=4)
    # no close(): the file still holds "a"; the log replaces it whole, then adds "d"
    assert orjson.loads(path.read_bytes()) == {"t": {"a": {"n": 1}}}
    recovered = Database(path)
    assert recovered.table("t").documents() == {"b": {"n": 2}, "d": {"n": 4}}
    assert recovered.table("u").documents() == {"c": {"n": 3}}
    recovered.replace_all({})  # a reset
    torn = wal(path).read_bytes()
    assert torn.endswith(b'["*",{}]\n')
    wal(path).write_bytes(torn[:-4])  # a crash in the middle of the reset's entry: it never happened
    assert Database(path).table("t").documents() == {"b": {"n": 2}, "d": {"n": 4}}


# ---------------------------------------------------------------- a real process, killed


def serve(db: Path):
    """The fake in a process of its own (mockserver.testing: the plugin's runner), state in ``db``."""
    return run_server(["--db", str(db), "--log-level", "warning"], mode="process")


def test_kill_9_loses_no_acknowledged_write(tmp_path):
    db = tmp_path / "state.json"
    headers = {"Authorization": "Bearer k"}
    with serve(db) as server:
        try:
            with httpx.Client(base_url=server.url, headers=headers) as client:
                ids = [
                    client.post("/api/v1/beta/agent-data", json={"data": {"i": i}, "deployment_name": "d"}).json()["id"]
                    for i in range(300)
                ]
                client.post(
                    "/api/v1/beta/agent-data/:delete", json={"deployment_name": "d", "filter": {"i": {"lt": 100}}}
                )
        finally:
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()

    with serve(db) as server, httpx.Client(base_url=server.url, headers=headers) as client:
        page = client.post(
            "/api/v1/beta/agent-data/:search",
            json={"deployment_name": "d", "order_by": "data.i", "page_size": 1000, "include_total": True},
        ).json()
    # (leaving the block stopped the server cleanly, with SIGTERM)
    assert page["total_size"] == 200
    assert [item["data"]["i"] for item in page["items"]] == list(range(100, 300))
    assert {item["id"] for item in page["items"]} == set(ids[100:])
    # the clean shutdown after the restart compacted everything into the JSON file
    assert len(orjson.loads(db.read_bytes())["agent_data"]) == 200 and wal(db).read_bytes() == b""
