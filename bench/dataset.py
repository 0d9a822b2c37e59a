"""The benchmark records and the state files prepared with the project's own storage.

Records are made by ``AgentDataStore.create`` on an in-memory ``Database``, so they have
exactly the shape the server stores. State files are written by ``LogStorage.write`` (TinyDB's JSON format,
as ``--db`` reads it), one per size, holding the first N records.
"""

from __future__ import annotations

import random
import shutil
from itertools import islice
from pathlib import Path

from mockserver.config import DEFAULT_PROJECT_ID
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import Clock
from mockserver.domain.ids import IdFactory
from mockserver.domain.store import StoreContext
from mockserver.storage import Database

DEPLOYMENT = "bench"
COLLECTION = "c"
STATUSES = ("active", "inactive", "pending", "archived")
TAGS = ("red", "green", "blue", "urgent", "vip", "new", "beta")
CITIES = ("Paris", "Lyon", "Berlin", "Oslo", "Lima", "Quito", "Pune", "Osaka")


def record_data(rnd: random.Random, i: int) -> dict:
    """A small record with varied fields: strings, numbers, a list and a nested object."""
    return {
        "name": f"user-{i:06d}",
        "age": rnd.randint(18, 80),
        "status": rnd.choice(STATUSES),
        "tags": rnd.sample(TAGS, rnd.randint(0, 3)),
        "address": {"city": rnd.choice(CITIES), "zip": f"{rnd.randint(10000, 99999)}"},
        "score": round(rnd.random() * 100, 2),
        "verified": rnd.random() < 0.5,
    }


def generate(count: int, seed: int = 1) -> dict[str, dict]:
    """``count`` stored records (id -> record, in creation order), made by AgentDataStore.create."""
    db = Database()
    store = AgentDataStore(StoreContext(db, Clock(), IdFactory(seed), DEFAULT_PROJECT_ID))
    rnd = random.Random(seed)
    for i in range(count):
        store.create(record_data(rnd, i), DEPLOYMENT, COLLECTION, None)
    return dict(store.table.documents())


def write_state(records: dict[str, dict], count: int, path: Path) -> Path:
    """A --db state file holding the first ``count`` records, written by the project's storage."""
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    db = Database(path)
    db.storage.write({AgentDataStore.TABLE: dict(islice(records.items(), count))})
    db.close()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return path


def copy_state(source: Path, target: Path) -> Path:
    """A private copy of a state file for one server (servers rewrite their file)."""
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target
