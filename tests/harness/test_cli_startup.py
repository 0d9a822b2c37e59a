"""``llamacloud-mock serve`` starts without garbage collection and serves with it (mockserver/cli.py).

Start-up builds only long-lived objects, so it runs with the collector off, then freezes them
(gc.freeze) and turns the collector back on before serving; every way out of main() turns it on.
"""

from __future__ import annotations

import gc

import pytest
import uvicorn

import mockserver.app
from mockserver import cli


@pytest.fixture(autouse=True)
def collector_restored():
    assert gc.isenabled()
    threshold = gc.get_threshold()
    yield
    gc.enable()
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if cli._freeze_survivors in gc.callbacks:
        gc.callbacks.remove(cli._freeze_survivors)


def test_serve_builds_the_app_without_collections_then_serves_with_the_collector_on(monkeypatch):
    seen = {}
    create_app = mockserver.app.create_app

    def recording_create_app(config):
        seen["collector on while building"] = gc.isenabled()
        return create_app(config)

    def run(server, sockets=None):
        seen["collector on while serving"] = gc.isenabled()
        seen["frozen while serving"] = gc.get_freeze_count()
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(mockserver.app, "create_app", recording_create_app)
    monkeypatch.setattr(uvicorn.Server, "run", run)

    assert cli.main(["serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning"]) == 0
    assert seen["collector on while building"] is False
    assert seen["collector on while serving"] is True
    assert seen["frozen while serving"] > 0  # what start-up built is out of the collector's reach
    assert gc.isenabled()
    assert gc.get_threshold()[0] == cli.YOUNG_COLLECTION_EVERY
    assert gc.callbacks.count(cli._freeze_survivors) == 1


def test_a_full_collection_freezes_its_survivors_only_when_they_are_many(monkeypatch):
    cli.serving_collections()
    monkeypatch.setattr(cli, "FREEZE_SURVIVORS_ABOVE", 10**9)
    gc.unfreeze()
    gc.collect()
    # Python 3.12 moves the immortal objects it meets in a collection to the permanent generation
    # itself (a few hundred; none on 3.11 and 3.13): what the tuning freezes comes on top of those.
    by_the_interpreter = gc.get_freeze_count()
    assert by_the_interpreter < 10_000
    kept = [[i] for i in range(50_000)]  # long-lived containers, as records are
    gc.collect()
    assert gc.get_freeze_count() == by_the_interpreter  # few survivors: a full collection scans them, as gc does
    monkeypatch.setattr(cli, "FREEZE_SURVIVORS_ABOVE", 40_000)
    gc.collect()
    assert gc.get_freeze_count() >= by_the_interpreter + len(kept)  # many: out of the collector's reach from now on
    assert len(gc.get_objects(2)) == 0
    gc.collect(0)  # a young collection freezes nothing
    assert gc.get_freeze_count() >= len(kept)


def test_a_state_that_cannot_be_read_leaves_the_collector_on(tmp_path):
    db = tmp_path / "state.db.json"
    db.write_text("not JSON")
    assert cli.main(["serve", "--port", "0", "--db", str(db), "--log-level", "error"]) == 2
    assert gc.isenabled()


@pytest.mark.parametrize("argv", [["--version"], ["serve", "--port", "eighty"], []])
def test_usage_errors_and_version_leave_the_collector_on(argv):
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert gc.isenabled()


def test_serve_says_only_what_a_user_can_act_on():
    """A real start: one block with the address, what is served, where to look, auth and state; no
    library's deprecation warning."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--virtual-clock"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("  docs: "):
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    block = lines[[i for i, line in enumerate(lines) if "serving on" in line][0] :]
    url = block[0].rsplit(" ", 1)[1].strip()
    assert url.startswith("http://127.0.0.1:") and block[0].startswith("llamacloud-mock "), lines
    fields = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in block[1:]}
    assert list(fields) == ["APIs", "dashboard", "admin API", "auth", "state", "jobs", "clock", "workflows", "docs"]
    assert fields["APIs"] == (
        "agent_data, extraction_v1, extract_v2, beta_files, projects (profile default: the real wire format); "
        f"give SDKs {url} as base URL"
    )
    assert fields["dashboard"] == f"{url}/_mock/ui"
    assert fields["admin API"] == f"{url}/_mock/ (open); request journal: the last 1000 requests"
    assert fields["auth"] == "any non-empty bearer token (pass --api-key KEY to restrict)"
    assert fields["state"] == "in memory (pass --db PATH to keep it across restarts)"
    assert fields["clock"].startswith("virtual, frozen at ")
    assert fields["workflows"] == "none (pass --workflows FILE to serve a scenario file's deployment)"
    assert not [line for line in lines if "Warning" in line or "warn" in line.lower()], lines
