"""Write cost in process, without HTTP: stock TinyDB (the baseline) beside llamacloud-mock's store.

Stock TinyDB reads and rewrites its whole table on every insert (``Table._update_table``), with
``MemoryStorage`` as with its default ``JSONStorage``, so its insert cost grows with the table:
it gets few samples at the large size.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
from tinydb import TinyDB
from tinydb.storages import MemoryStorage

from bench.dataset import COLLECTION, DEPLOYMENT, copy_state, record_data
from bench.stats import now, summary
from bench.writes import MEASURED, WARMUP
from mockserver.config import DEFAULT_PROJECT_ID
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import Clock
from mockserver.domain.ids import IdFactory
from mockserver.domain.store import StoreContext
from mockserver.storage import Database

STOCK_SAMPLES = {"memory": (60, 10), "json": (30, 3)}  # timed inserts at the small and the large size


def _stock_inserts(db: TinyDB, documents: list[dict], size: int, samples: int) -> list[float]:
    table = db.table("agent_data")
    prefill = size - samples // 2 - 1
    table.insert_multiple(documents[:prefill])
    table.insert(documents[prefill])  # warm-up, untimed
    seconds = []
    for document in documents[prefill + 1 : prefill + 1 + samples]:
        start = now()
        table.insert(document)
        seconds.append(now() - start)
    return seconds


def stock_tinydb(documents: list[dict], sizes: tuple[int, int], workdir: Path) -> dict:
    """Median insert cost of stock TinyDB around each size, in memory and on a JSON file."""
    result = {}
    for kind, sample_counts in STOCK_SAMPLES.items():
        figures = {}
        for label, size, samples in zip(("small", "large"), sizes, sample_counts):
            path = workdir / f"stock-{size}.json"
            path.unlink(missing_ok=True)
            db = TinyDB(storage=MemoryStorage) if kind == "memory" else TinyDB(path)
            try:
                figures[label] = {"records_around": size, **summary(_stock_inserts(db, documents, size, samples))}
            finally:
                db.close()
                path.unlink(missing_ok=True)
        figures["ratio"] = figures["large"]["median_ms"] / figures["small"]["median_ms"]
        result[kind] = figures
    return result


def fake_in_process(states: tuple[Path, Path], sizes: tuple[int, int], workdir: Path, persisted: bool) -> dict:
    """Median AgentDataStore.create cost around each size, on the state loaded as the server does
    (``Database(PATH)`` for --db; ``Database()`` holding the same tables for in memory)."""
    rnd = random.Random(7)
    figures = {}
    for label, state, size in zip(("small", "large"), states, sizes):
        if persisted:
            db = Database(copy_state(state, workdir / f"inproc-{label}.db.json"))
        else:
            db = Database()
            db.storage.write(orjson.loads(state.read_bytes()))
        store = AgentDataStore(StoreContext(db, Clock(), IdFactory(), DEFAULT_PROJECT_ID))
        seconds = []
        for i in range(WARMUP + MEASURED):
            data = record_data(rnd, i)
            start = now()
            store.create(data, DEPLOYMENT, COLLECTION, None)
            seconds.append(now() - start)
        db.close()
        figures[label] = {"records_around": size, **summary(seconds[WARMUP:])}
    figures["ratio"] = figures["large"]["median_ms"] / figures["small"]["median_ms"]
    return figures
