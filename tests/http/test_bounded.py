"""Nothing grows with the number of requests served (issue 7): only the state clients create does.

Records, agents, files and jobs stay until deleted or reset, like the real API's; everything
kept beside them per request or per job must be bounded, or go when its object goes:

* the request journal: a ring of ``--journal-size`` entries, each holding at most
  ``MAX_BODY_BYTES`` of body and ``MAX_HEADER_BYTES`` of headers;
* the write-ahead log of ``--db``: compacted when it holds as many entries as the state file
  holds documents, or as many bytes as the file (at least ``COMPACT_MIN_BYTES``);
* a deleted job, file or record leaves nothing in any table (webhook subscriptions and
  deliveries, lifecycle records, file bytes).
"""

from __future__ import annotations

import time

import httpx
import pytest
from tinydb.table import Document

from mockserver.admin.journal import MAX_BODY_BYTES, MAX_HEADER_BYTES
from mockserver.app import create_app
from mockserver.config import Config
from mockserver.storage import COMPACT_MIN_BYTES, Database
from tests.support import AUTH

SCHEMA = {"type": "object", "required": ["vendor"], "properties": {"vendor": {"type": "string"}}}
TEXT = b"Vendor: Globex\n"


def ok(response):
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


# ------------------------------------------------------------------ the journal
def test_journal_entries_hold_at_most_their_caps_of_body_and_headers(make_client):
    client = make_client(journal_size=5)
    big = "h" * 1_000_000
    for i in range(15):
        client.post(
            "/api/v1/beta/agent-data",
            json={"deployment_name": "d", "data": {"blob": "b" * 1_000_000, "i": i}},
            headers={"x-big": big, "x-after": "dropped"},
        )
    page = ok(client.get("/_mock/requests"))
    assert len(page["items"]) == 5 and page["received"] == 15
    for entry in page["items"]:
        recorded = sum(len(k) + len(v) for k, v in entry["headers"].items())
        assert recorded <= MAX_HEADER_BYTES and entry["headers_truncated"] is True
        assert entry["headers"]["authorization"] == "Bearer test-key"  # headers before the big one are whole
        assert "x-after" not in entry["headers"]  # and the ones after it are left out
        assert entry["body_truncated"] is True and len(entry["body"]) == MAX_BODY_BYTES
    for entry in client.app.state.journal._entries:  # the memory held, not only what the API shows
        assert len(entry.body) <= MAX_BODY_BYTES
        assert sum(len(k) + len(v) for k, v in entry.headers) <= MAX_HEADER_BYTES


def test_ordinary_headers_are_recorded_whole(client):
    client.get("/api/v1/files", headers={"x-trace": "t" * 1000})
    (entry,) = ok(client.get("/_mock/requests"))["items"]
    assert entry["headers"]["x-trace"] == "t" * 1000 and entry["headers_truncated"] is False


# ------------------------------------------------------------------ the write-ahead log
def test_the_log_of_a_big_document_rewritten_again_and_again_stays_bounded(tmp_path):
    path = tmp_path / "state.json"
    wal = path.with_name(path.name + ".wal")
    db = Database(path)
    table = db.table("t")
    table.insert(Document({"blob": "x" * 300_000, "n": 0}, doc_id="big"))
    biggest = 0
    for n in range(1, 80):  # 80 x 300 KB = 24 MB written to the log
        table.update({"n": n}, doc_ids=["big"])
        biggest = max(biggest, wal.stat().st_size)
    assert biggest <= COMPACT_MIN_BYTES + 400_000  # the threshold, plus the entry that crossed it
    db.close()
    assert Database(path).table("t").get(doc_id="big")["n"] == 79


def test_temp_files_a_killed_server_left_are_removed_at_start(tmp_path):
    path = tmp_path / "state.json"
    db = Database(path)
    db.table("t").insert(Document({"n": 1}, doc_id="a"))
    db.close()
    # kill -9 in the middle of a compaction (state file) or of an upload (file bytes)
    (tmp_path / "state.json.k2j4h1.tmp").write_bytes(b'{"t": {"a"')
    (tmp_path / "state.json.files").mkdir()
    (tmp_path / "state.json.files" / ".f1.x8.tmp").write_bytes(b"half a file")
    create_app(Config(db_path=path)).state.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.files", "state.json.wal"]
    assert list((tmp_path / "state.json.files").iterdir()) == []


# ------------------------------------------------------------------ deleted objects leave nothing
@pytest.fixture
def clocked():
    """A fake on a virtual clock whose webhooks reach an in-memory receiver answering 200."""
    app = create_app(Config(validate_responses=True, virtual_clock=True, job_duration=10))
    app.state.webhooks.transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with app.test_client(headers=AUTH) as client:
        yield client


def test_what_is_created_then_deleted_leaves_every_table_as_it_was(clocked):
    client = clocked
    state = client.app.state
    before = {name: len(docs) for name, docs in state.db.export().items()}
    for i in range(10):
        record = ok(
            client.post("/api/v1/beta/agent-data", json={"deployment_name": "d", "collection": f"c{i}", "data": {}})
        )
        ok(client.delete(f"/api/v1/beta/agent-data/{record['id']}"))
        file = ok(
            client.post(
                "/api/v1/beta/files", data={"purpose": "extract"}, files={"file": ("a.txt", TEXT, "text/plain")}
            )
        )
        hook = {"webhook_url": "http://receiver.test/hook", "webhook_output_format": "json"}
        body = {"file_input": file["id"], "configuration": {"data_schema": SCHEMA}, "webhook_configurations": [hook]}
        job = ok(client.post("/api/v2/extract", json=body))
        ok(client.post("/_mock/clock/advance", json={"seconds": 10}))
        assert ok(client.get(f"/api/v2/extract/{job['id']}"))["status"] == "COMPLETED"
        ok(client.delete(f"/api/v2/extract/{job['id']}"))
        ok(client.delete(f"/api/v1/beta/files/{file['id']}"))
    deadline = time.monotonic() + 15
    while state.webhooks.deliveries() and time.monotonic() < deadline:  # the background task sends the last ones
        time.sleep(0.01)
    ok(client.get("/api/v1/projects"))  # projects are recorded when read: the default one exists anyway
    after = {name: len(docs) for name, docs in state.db.export().items() if docs}
    assert after == {name: n for name, n in {**before, "projects": 1}.items() if n}
    assert state.files.blobs._memory == {}


def test_collections_emptied_one_by_one_leave_no_index_behind(client):
    store = client.app.state.agent_data
    for n in range(30):  # a load test that uses a fresh collection each time
        scope = {"deployment_name": "load", "collection": f"c{n}"}
        created = ok(client.post("/api/v1/beta/agent-data", json={**scope, "data": {"n": n}}))
        if n % 2:
            ok(client.delete(f"/api/v1/beta/agent-data/{created['id']}"))
        else:
            assert ok(client.post("/api/v1/beta/agent-data/:delete", json=scope))["deleted_count"] == 1
    assert store._by_scope == {}
