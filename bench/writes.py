"""Target 1 (write cost does not grow with table size) and target 4 (persisted file hygiene).

Target 1 runs two servers side by side, both with ``--db`` (a write-ahead-log append per
create: the expensive case), one holding ~1,000 records and one ~100,000, and alternates
batches of creates between them so that machine noise hits both alike. The measured creates
are centred on the 1,000th and the 100,000th record.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import orjson

from bench.dataset import COLLECTION, DEPLOYMENT, copy_state, record_data
from bench.server import PROBE_PATH, Server
from bench.stats import now, summary

CREATE_PATH = "/api/v1/beta/agent-data"
WARMUP = 20
MEASURED = 200  # creates measured around each size
ROUNDS = 10  # MEASURED creates per server, in ROUNDS alternating batches
HYGIENE_CREATES = 1000


def create_bodies(count: int, seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    return [
        orjson.dumps(
            {"data": record_data(rnd, 10_000_000 + i), "deployment_name": DEPLOYMENT, "collection": COLLECTION}
        )
        for i in range(count)
    ]


def create(server: Server, body: bytes) -> float:
    start = now()
    status, answer = server.http.post(CREATE_PATH, body)
    elapsed = now() - start
    if status != 200:
        raise RuntimeError(f"create answered {status}: {answer[:300]!r}")
    return elapsed


class FileWatch:
    """Notes every rewrite of a state file (its inode, mtime or size changes) and its log's growth."""

    def __init__(self, path: Path):
        self.path = path
        self.wal = path.with_name(path.name + ".wal")
        self.last = self._identity()
        self.rewrites = 0
        self.snapshot_bytes = 0  # bytes of the rewritten files
        self.observed = 0
        self.wal_start = self.wal_peak = self.wal_last = self._wal_size()
        self.wal_peak_after = 0  # creates observed when the log was at its peak

    def _identity(self) -> tuple | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _wal_size(self) -> int:
        try:
            return os.path.getsize(self.wal)
        except FileNotFoundError:
            return 0

    def observe(self) -> None:
        """Call after each create."""
        self.observed += 1
        identity = self._identity()
        if identity != self.last:
            self.rewrites += 1
            self.snapshot_bytes += identity[2] if identity else 0
            self.last = identity
        wal = self.wal_last = self._wal_size()
        if wal > self.wal_peak:
            self.wal_peak, self.wal_peak_after = wal, self.observed

    def figures(self) -> dict:
        grown = self.wal_peak - self.wal_start
        return {
            "creates": self.observed,
            "file_rewrites": self.rewrites,
            "snapshot_bytes_written": self.snapshot_bytes,
            "state_file_bytes": self.last[2] if self.last else 0,
            "wal_peak_bytes": self.wal_peak,
            "wal_bytes_after_last_create": self.wal_last,
            "wal_bytes_per_create": grown / self.wal_peak_after if self.wal_peak_after else 0.0,
        }


def http_floor(server: Server, count: int = MEASURED) -> dict:
    """The round trip of the cheapest request: an unauthenticated GET, answered 401 before routing."""
    seconds = []
    for _ in range(count):
        start = now()
        status, _ = server.http.request("GET", PROBE_PATH, headers={})
        seconds.append(now() - start)
        if status != 401:
            raise RuntimeError(f"GET {PROBE_PATH} without a token answered {status}")
    return summary(seconds)


def create_cost_over_http(workdir: Path, small_state: Path, large_state: Path, sizes: tuple[int, int]) -> dict:
    """Median create latency around record sizes[0] and sizes[1], both servers with --db."""
    dbs = {
        "small": copy_state(small_state, workdir / "t1-small.db.json"),
        "large": copy_state(large_state, workdir / "t1-large.db.json"),
    }
    bodies = create_bodies(2 * (WARMUP + MEASURED), seed=11)
    latencies: dict[str, list[float]] = {"small": [], "large": []}
    with Server(workdir, dbs["small"], "t1-small") as small, Server(workdir, dbs["large"], "t1-large") as large:
        servers = {"small": small, "large": large}
        for server in servers.values():
            for _ in range(WARMUP):
                create(server, bodies.pop())
        watches = {name: FileWatch(db) for name, db in dbs.items()}
        per_round = MEASURED // ROUNDS
        for round_ in range(ROUNDS):
            for name in ("small", "large") if round_ % 2 == 0 else ("large", "small"):
                for _ in range(per_round):
                    latencies[name].append(create(servers[name], bodies.pop()))
                    watches[name].observe()
        floor = http_floor(small)
    result = {
        name: {"records_around": size, **summary(latencies[name]), "file": watches[name].figures()}
        for name, size in zip(("small", "large"), sizes)
    }
    result["http_floor"] = floor
    result["ratio"] = result["large"]["median_ms"] / result["small"]["median_ms"]
    return result


def file_hygiene(workdir: Path) -> dict:
    """HYGIENE_CREATES creates on a server with --db on a fresh path: how often the file is rewritten."""
    db = workdir / "t4-hygiene.db.json"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    bodies = create_bodies(HYGIENE_CREATES, seed=44)
    latencies = []
    with Server(workdir, db, "t4-hygiene") as server:
        watch = FileWatch(db)
        for body in bodies:
            latencies.append(create(server, body))
            watch.observe()
    figures = watch.figures()
    figures["latency"] = summary(latencies)
    return figures
