"""What every domain store is built over, and its part in a reset, a snapshot and a restore. No HTTP.

Every store keeps its records in tables of the one database (``StoreContext.db``). A reset or a
restore replaces every table whole, in one step (with ``--db``, one entry of the write-ahead log);
the harness takes that step (mockserver/admin/snapshot.py) and tells each store, which then keeps
in step what it holds beside its tables: an index, runs in memory, the bytes of files. Like
moto's backends, each store knows how to empty and refill itself; nothing else reaches inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.domain.clock import Clock
from mockserver.domain.ids import IdFactory
from mockserver.storage import Database


@dataclass(frozen=True)
class StoreContext:
    """The fake's one database, clock and id factory, and the project of requests that name none."""

    db: Database
    clock: Clock
    ids: IdFactory
    default_project_id: str


class Store:
    """A domain store's part in a reset, a snapshot and a restore; by default it holds nothing
    beside its tables, so it has nothing to do."""

    def snapshot(self) -> dict[str, Any]:
        """What the store holds beside its tables, as keys of the snapshot document (JSON values)."""
        return {}

    def restoring(self, snapshot: dict[str, Any]) -> None:
        """Before the tables become the snapshot's: check the store's keys of it (raising before
        any change), then write what the snapshot's records will refer to."""

    def restored(self, snapshot: dict[str, Any]) -> None:
        """After the tables became the snapshot's: rebuild what derives from them, and remove
        what they no longer refer to."""

    def reset(self) -> None:
        """After every table was emptied and the ids put back at their seed (the clock not yet back)."""
