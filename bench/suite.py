"""The sections of the run, in order: each measures, keeps its raw figures and returns table rows."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

from bench import baseline, search, startup, writes
from bench.dataset import generate, write_state
from bench.report import INFO, Row, judged, ms, ratio_figure

SMALL = 1_000
RATIO_GOAL = 1.5
QUERY_GOAL_MS = 100.0
STARTUP_GOAL_S = 1.0
REWRITES_GOAL = 10  # per HYGIENE_CREATES creates: "not rewritten per request"


@dataclass
class Context:
    workdir: Path
    large: int  # the big table size (100,000)
    raw: dict = field(default_factory=dict)
    records: dict[str, dict] = field(default_factory=dict)  # id -> stored record, in creation order
    states: dict[str, Path] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, int]:
        return (SMALL, self.large)


def prepare(ctx: Context) -> list[Row]:
    """The records and the state files."""
    half = writes.MEASURED // 2
    ctx.records = records = generate(ctx.large + half)
    # the HTTP creates (WARMUP, then MEASURED) must straddle record SMALL and record large
    ahead = half + writes.WARMUP
    ctx.states = {
        "small": write_state(records, SMALL - ahead, ctx.workdir / "state-small.db.json"),
        "large": write_state(records, ctx.large - ahead, ctx.workdir / "state-large.db.json"),
        "full": write_state(records, ctx.large, ctx.workdir / "state-full.db.json"),
    }
    ctx.raw["state_file_bytes"] = {k: p.stat().st_size for k, p in ctx.states.items()}
    gc.collect()
    gc.freeze()  # keep the collector's full passes over these records out of the timed requests
    return []


def write_cost(ctx: Context) -> list[Row]:
    n = f"{ctx.large:,}"
    http = ctx.raw["write_cost_http_db"] = writes.create_cost_over_http(
        ctx.workdir, ctx.states["small"], ctx.states["large"], ctx.sizes
    )
    states = (ctx.states["small"], ctx.states["large"])
    memory = ctx.raw["write_cost_in_process_memory"] = baseline.fake_in_process(states, ctx.sizes, ctx.workdir, False)
    persisted = ctx.raw["write_cost_in_process_db"] = baseline.fake_in_process(states, ctx.sizes, ctx.workdir, True)
    documents = list(ctx.records.values())
    stock = ctx.raw["stock_tinydb"] = baseline.stock_tinydb(documents, ctx.sizes, ctx.workdir)
    return [
        Row(
            "1",
            f"POST agent-data, --db, median around #{SMALL:,}",
            ms(http["small"]["median_ms"]),
            value=http["small"]["median_ms"],
            unit="ms",
        ),
        Row(
            "1",
            f"POST agent-data, --db, median around #{n}",
            ms(http["large"]["median_ms"]),
            value=http["large"]["median_ms"],
            unit="ms",
        ),
        Row(
            "1",
            f"POST agent-data, --db, p95 #{SMALL:,} → #{n}",
            f"{ms(http['small']['p95_ms'])} → {ms(http['large']['p95_ms'])}",
        ),
        Row(
            "1",
            "HTTP round trip floor (401 from the auth middleware)",
            ms(http["http_floor"]["median_ms"]),
            value=http["http_floor"]["median_ms"],
            unit="ms",
        ),
        Row(
            "1",
            f"create cost ratio #{n} / #{SMALL:,} (HTTP, --db)",
            f"{http['ratio']:.2f}x",
            f"<= {RATIO_GOAL}x",
            judged(http["ratio"] <= RATIO_GOAL),
            http["ratio"],
            "x",
        ),
        Row("1", "llamacloud-mock in process, in memory", ratio_figure(memory), value=memory["ratio"], unit="x"),
        Row(
            "1",
            "llamacloud-mock in process, Database(PATH)",
            ratio_figure(persisted),
            value=persisted["ratio"],
            unit="x",
        ),
        Row(
            "1",
            "baseline: stock TinyDB, MemoryStorage",
            ratio_figure(stock["memory"]),
            value=stock["memory"]["ratio"],
            unit="x",
        ),
        Row(
            "1",
            "baseline: stock TinyDB, JSONStorage (file)",
            ratio_figure(stock["json"]),
            value=stock["json"]["ratio"],
            unit="x",
        ),
    ]


def queries(ctx: Context) -> list[Row]:
    raw = ctx.raw["search"] = search.queries(ctx.workdir, ctx.states["full"], ctx.large)
    main = raw["filtered_sorted"]
    rows = [
        Row(
            "2",
            f":search, filter + order_by, {ctx.large:,} records, median",
            ms(main["median_ms"]),
            f"< {QUERY_GOAL_MS:.0f} ms",
            judged(main["median_ms"] < QUERY_GOAL_MS),
            main["median_ms"],
            "ms",
        ),
        Row("2", ":search, filter + order_by, p95", ms(main["p95_ms"]), value=main["p95_ms"], unit="ms"),
    ]
    for key, label in (
        ("default_sort", ":search, no filter, default sort, median"),
        ("aggregate", ":aggregate, group_by status + count + first, median"),
        ("delete_by_query", ":delete, filter (~0.4% deleted), median"),
    ):
        rows.append(Row("2", label, ms(raw[key]["median_ms"]), status=INFO, value=raw[key]["median_ms"], unit="ms"))
    return rows


def start_up(ctx: Context) -> list[Row]:
    memory = ctx.raw["startup_memory"] = startup.startup(ctx.workdir, None, "memory")
    full = ctx.raw["startup_db_full"] = startup.startup(ctx.workdir, ctx.states["full"], "full")
    goal = f"< {STARTUP_GOAL_S:.0f} s"
    return [
        Row(
            "3",
            f"spawn → first answer, in memory, median of {startup.RUNS}",
            f"{memory['median_s']:.2f} s",
            goal,
            judged(memory["median_s"] < STARTUP_GOAL_S),
            memory["median_s"],
            "s",
        ),
        Row(
            "3",
            f"spawn → first answer, --db with {ctx.large:,} records",
            f"{full['median_s']:.2f} s",
            goal,
            judged(full["median_s"] < STARTUP_GOAL_S),
            full["median_s"],
            "s",
        ),
        Row(
            "3",
            f"clean shutdown (SIGINT), --db with {ctx.large:,} records",
            f"{full['shutdown_median_s']:.2f} s",
            value=full["shutdown_median_s"],
            unit="s",
        ),
    ]


def hygiene(ctx: Context) -> list[Row]:
    raw = ctx.raw["file_hygiene"] = writes.file_hygiene(ctx.workdir)
    large = ctx.raw["write_cost_http_db"]["large"]["file"] if "write_cost_http_db" in ctx.raw else None
    rows = [
        Row(
            "4",
            f"state file rewrites in {raw['creates']:,} creates (--db, from empty)",
            str(raw["file_rewrites"]),
            f"<= {REWRITES_GOAL}",
            judged(raw["file_rewrites"] <= REWRITES_GOAL),
            raw["file_rewrites"],
            "rewrites",
        ),
        Row(
            "4",
            "write-ahead log appended per create",
            f"{raw['wal_bytes_per_create']:.0f} B",
            value=raw["wal_bytes_per_create"],
            unit="B",
        ),
        Row(
            "4",
            "log peak / state file at the end",
            f"{raw['wal_peak_bytes'] / 1024:,.0f} KiB / {raw['state_file_bytes'] / 1024:,.0f} KiB",
        ),
    ]
    if large:
        rows.append(
            Row(
                "4",
                f"state file rewrites in {large['creates']} creates at #{ctx.large:,}",
                str(large["file_rewrites"]),
                value=large["file_rewrites"],
                unit="rewrites",
            )
        )
    return rows


SECTIONS = [  # (row number, title, section)
    ("0", "preparing records and state files", prepare),
    ("1", "target 1: write cost against table size", write_cost),
    ("2", "target 2: queries over one large collection", queries),
    ("3", "target 3: start-up", start_up),
    ("4", "target 4: persisted file hygiene", hygiene),
]
