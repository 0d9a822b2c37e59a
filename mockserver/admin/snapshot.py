"""Reset, snapshot and restore of the fake's whole state.

A **snapshot** is one JSON document: every TinyDB table, every file's bytes (base64), the
virtual clock and where the id sequence stands::

    {"format": "llamacloud-mock-snapshot/1", "version": "0.1.0", "taken_at": "...",
     "tables": {table: {id: document}}, "files": {file_id: base64},
     "clock": {"virtual": true, "seconds": 1.7e9, "frozen": true}, "ids": {"seed": 42, "state": [...]}}

**Restore** makes such a document the whole state (the clock too, when both are virtual).
**Reset** empties every table and file, puts the id sequence back at its seed and a virtual clock
back where it started (or at the instants given), clears the fault rules and the journal, then
seeds the ``--seed-file`` again if there is one. Neither touches the configuration. With ``--db``,
each is one entry of the write-ahead log, acknowledged before it answers. Fault rules and the
journal are harness settings, not state: snapshots leave them out.

The tables are replaced here in one step; each domain store then keeps in step what it holds
beside them (``Store`` in mockserver/domain/store.py: the files' bytes, the agent-data index, the
workflow runs), and the crash ordering is theirs: on restore a file's bytes are written before its
record, on reset records go before their bytes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pydantic

from mockserver import __version__
from mockserver.admin import fixtures
from mockserver.domain.errors import Conflict, DomainError, InvalidField

if TYPE_CHECKING:
    from mockserver.state import FakeState

SNAPSHOT_FORMAT = "llamacloud-mock-snapshot/1"
UNSET: Any = object()


def is_snapshot(document: Any) -> bool:
    return isinstance(document, dict) and document.get("format") == SNAPSHOT_FORMAT


def snapshot(state: FakeState) -> dict[str, Any]:
    document = {
        "format": SNAPSHOT_FORMAT,
        "version": __version__,
        "taken_at": state.clock.now_iso(),
        "tables": state.db.export(),
    }
    for store in state.stores:
        document.update(store.snapshot())  # what it holds beside its tables (the files' bytes)
    document["clock"] = {"virtual": state.clock.virtual, "seconds": state.clock.time(), "frozen": _frozen(state)}
    document["ids"] = state.ids.get_state()
    return document


def _frozen(state: FakeState) -> bool:
    return bool(getattr(state.clock, "frozen", False))


def restore(state: FakeState, document: dict[str, Any]) -> dict[str, int]:
    """Replace the whole state by a snapshot's; the number of documents restored by table."""
    if not is_snapshot(document):
        raise InvalidField(("body", "format"), f"not a snapshot: format must be {SNAPSHOT_FORMAT!r}")
    tables = document.get("tables") or {}
    for store in state.stores:
        store.restoring(document)  # checked, and what the records refer to written before them (bytes)
    state.db.replace_all(tables)
    for store in state.stores:
        store.restored(document)  # then what they no longer refer to removed
    clock = document.get("clock") or {}
    if state.clock.virtual and clock.get("virtual") and clock.get("seconds") is not None:
        state.clock.reset(clock["seconds"], bool(clock.get("frozen", True)))
    if document.get("ids") is not None:
        state.ids.set_state(document["ids"])
    return {name: len(docs) for name, docs in tables.items()}


def reset(state: FakeState, id_seed: Any = UNSET, clock: float | None = None) -> float:
    """Back to the state of a fresh start; the milliseconds it took (the seed file's loading included)."""
    started = time.perf_counter()
    if clock is not None and not state.clock.virtual:
        raise Conflict("The server's clock is wall time and cannot be set: start the server with --virtual-clock.")
    state.db.replace_all({})  # the records first: what they refer to (bytes) goes after them
    state.ids.reseed(state.config.id_seed if id_seed is UNSET else id_seed)
    for store in state.stores:
        store.reset()  # before the clock moves back: no run left to move
    if state.clock.virtual:
        state.clock.reset(state.clock_origin if clock is None else clock, frozen=not state.config.clock_running)
    state.journal.clear()
    state.faults.clear()
    if state.config.seed_file is not None:
        seed_from_file(state)
    return round((time.perf_counter() - started) * 1000, 3)


def seed_from_file(state: FakeState) -> None:
    """Load ``--seed-file``: a fixture, or a snapshot; checked as the admin API checks them."""
    from generated.admin import models

    path = state.config.seed_file
    document = fixtures.load(path)
    try:
        if is_snapshot(document):
            restore(state, models.Snapshot.model_validate(document, strict=True).model_dump(mode="json"))
        else:
            fixture = models.Fixture.model_validate(document, strict=True)
            fixtures.apply(state, fixture.model_dump(mode="json", exclude_none=True))
    except pydantic.ValidationError as e:
        raise fixtures.FixtureFileError(f"the fixture file {path} does not fit openapi/admin.yaml: {e}") from None
    except DomainError as e:
        raise fixtures.FixtureFileError(f"the fixture file {path} cannot be loaded: {e}") from None
