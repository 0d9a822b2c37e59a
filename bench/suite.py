"""The sections of the run, in order: each measures, keeps its raw figures and returns table rows."""

from __future__ import annotations

import gc
import math
import os
import statistics
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from bench import (
    baseline,
    dashboard,
    load,
    search,
    soak,
    startup,
    validation,
    workflow_server,
    workflow_vs_real,
    writes,
)
from bench.dataset import generate, write_state
from bench.load import OPERATIONS
from bench.report import FAIL, INFO, Row, judged, ms, ratio_figure
from bench.wrk import Run

SMALL = 1_000
RATIO_GOAL = 1.5
QUERY_GOAL_MS = 100.0
STARTUP_GOAL_S = 1.0
REWRITES_GOAL = 10  # per HYGIENE_CREATES creates: "not rewritten per request"
PRISM_RATIO_GOAL = 3.0  # requests/s at 16 connections, the fake over Prism
LATENCY_GOAL_MS = 0.5  # median, one request at a time
LATENCY_GOAL_OPERATIONS = ("get-record", "create-record")
VALIDATION_COST_GOAL = 0.30  # extra time per request with --validate-responses (at 16 connections)
DASHBOARD_RENDER_GOAL_MS = 300.0  # each view's first render, 100,000 records and 10,000 jobs held
BODY_LIMITS_ROUNDS = 1001  # of BODY_LIMITS_PER_ROUND creates each: short turns, close in time
BODY_LIMITS_PER_ROUND = 10
BODY_LIMITS_COST_GOAL = 0.03  # extra time per create with the body checks on: within this machine's noise
SOAK_GROWTH_GOAL_MB = 2.0  # RSS growth of the soak after its first sample
WORKFLOW_RUNS_RATIO_GOAL = 10.0  # synchronous one-step runs/s at 16 connections, the fake over the real server
WORKFLOW_FLOWS_RATIO_GOAL = 3.0  # human-in-the-loop runs/s at 16 clients, the fake over the real server
STREAM_P99_GOAL_MS = 50.0  # answer sent -> caused event read, 500 SSE streams held open
HANDLERS_LIST_GOAL_MS = 20.0  # GET /handlers, 10,000 ended handlers held, median


@dataclass
class Context:
    workdir: Path
    large: int  # the big table size (100,000)
    raw: dict = field(default_factory=dict)
    load_seconds: int = 5  # each wrk run of the load section
    warmup_seconds: int = 1
    soak_seconds: int = 60
    soak_sample_seconds: int = 10
    jobs_seconds: int = 10
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
        median = raw[key]["median_ms"]
        rows.append(
            Row("2", label, ms(median), f"< {QUERY_GOAL_MS:.0f} ms", judged(median < QUERY_GOAL_MS), median, "ms")
        )
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
            # stated, not judged: the target is the process's start; this adds reading a 40 MB state
            f"spawn → first answer, --db with {ctx.large:,} records",
            f"{full['median_s']:.2f} s",
            value=full["median_s"],
            unit="s",
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


def _rps(run: Run) -> str:
    return f"{run.rps:,.0f}"


def _latency(run: Run) -> str:
    return f"{ms(run.p50_ms)} / {ms(run.p99_ms)}"


def _unclean(runs: dict[str, dict[str, Run]]) -> str:
    """'' when every run of an operation answered 2xx only; else which server did what."""
    for server, by_connections in runs.items():
        for connections, run in by_connections.items():
            if not run.clean:
                return f"{server} at {connections[1:]} conn: {run.problem()}"
    return ""


def _unclean_summaries(runs: dict[str, dict[str, dict]]) -> str:
    """As ``_unclean``, for runs kept as ``Run.summary()`` dicts."""
    for server, by_connections in runs.items():
        for connections, run in by_connections.items():
            if run["non_2xx"] or any(run["socket_errors"].values()):
                detail = run.get("first_non_2xx") or run["socket_errors"]
                return f"{server} at {connections[1:]} conn: {run['non_2xx']:,} not 2xx: {str(detail)[:60]}"
    return ""


def paired(numerators: list[float], denominators: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) of the ratios of two servers' rounds taken side by side.

    Round i of every server ran within the same few seconds (bench/load.py), so its ratio cancels
    how fast the machine was then (this VM's speed swings by up to 2x from minute to minute), and
    the median of the rounds is not moved by one round that other work on the machine hit.
    """
    ratios = sorted(n / d for n, d in zip(numerators, denominators) if d)
    if not ratios:
        return 0.0, 0.0, 0.0
    return statistics.median(ratios), ratios[0], ratios[-1]


def _floor2(value: float) -> str:
    return f"{math.floor(value * 100) / 100:.2f}"  # 2.999: not 3.00


def against_prism(ctx: Context) -> list[Row]:
    raw = load.throughput(ctx.workdir, ctx.records, ctx.load_seconds, ctx.warmup_seconds, progress)
    ctx.raw["load"] = {
        **{k: v for k, v in raw.items() if k != "operations"},
        "operations": {
            op: {server: {c: run.summary() for c, run in runs.items()} for server, runs in figures.items()}
            for op, figures in raw["operations"].items()
        },
    }
    rows = []
    for op in OPERATIONS:
        runs = raw["operations"][op.name]
        fake, prism = runs["fake"], runs["prism"]
        problem = _unclean({"fake": fake, "prism": prism})  # the validating fake's are judged in section 6
        ratio, low, high = paired(fake["c16"].extra["round_rps"], prism["c16"].extra["round_rps"])
        rows.append(
            Row(
                "5",
                f"{op.name}: req/s at 16 conn, fake vs Prism; ratio of paired rounds: median (range)",
                f"{_rps(fake['c16'])} vs {_rps(prism['c16'])}; "
                f"rounds: {_floor2(ratio)}x ({_floor2(low)}-{_floor2(high)}x)",
                f">= {PRISM_RATIO_GOAL:.0f}x",
                judged(ratio >= PRISM_RATIO_GOAL and not problem),
                ratio,
                "x",
            )
        )
        p50 = fake["c1"].p50_ms
        latency_goal = op.name in LATENCY_GOAL_OPERATIONS
        rows.append(
            Row(
                "5",
                f"{op.name}: 1 conn, req/s, p50 / p99, fake vs Prism",
                f"{_rps(fake['c1'])}, {_latency(fake['c1'])} vs {_rps(prism['c1'])}, {_latency(prism['c1'])}",
                f"p50 < {LATENCY_GOAL_MS * 1000:.0f} µs" if latency_goal else "",
                judged(p50 < LATENCY_GOAL_MS and not problem) if latency_goal else (FAIL if problem else INFO),
                p50,
                "ms",
            )
        )
        rows.append(
            Row(
                "5",
                f"{op.name}: 16 conn, p50 / p99, fake vs Prism",
                problem or f"{_latency(fake['c16'])} vs {_latency(prism['c16'])}",
                status=FAIL if problem else INFO,
                value=fake["c16"].p50_ms,
                unit="ms",
            )
        )
    started = raw["started_s"]
    averages = list(raw["load_average"].values())
    rows.append(
        Row(
            "5",
            "spawn → first answer: fake (1,000-record seed) vs Prism (agent_data / extraction_v1)",
            f"{started['fake']:.2f} s vs {started['prism_agent_data']:.2f} s / {started['prism_extraction_v1']:.2f} s",
            value=started["fake"],
            unit="s",
        )
    )
    rows.append(
        Row(
            "5",
            f"wrk, 1 thread; {ctx.warmup_seconds} s warm-up + {ctx.load_seconds} s per figure; Prism; load average",
            f"{raw['prism_version']}; {min(averages):.1f}-{max(averages):.1f} on {os.cpu_count()} CPUs",
        )
    )
    return rows


def response_validation(ctx: Context) -> list[Row]:
    """Judged in process (bench/validation.py: two servers under wrk differ by more than the
    validation costs); the two servers of the load section are shown beside it."""
    seed = load.write_fixture(load.fixture(ctx.records), ctx.workdir / "t6-fixture.json")
    costs = ctx.raw["validation"] = validation.measure(seed)
    rows = []
    for op in OPERATIONS:
        cost = costs[op.name]
        rows.append(
            Row(
                "6",
                f"{op.name}: --validate-responses, the app's time per request off vs on, in process "
                "(rounds: median, range)",
                f"{ms(cost['off_us'] / 1000)} vs {ms(cost['on_us'] / 1000)}: {cost['cost']:+.0%} "
                f"({cost['lowest']:+.0%} to {cost['highest']:+.0%})",
                f"<= +{VALIDATION_COST_GOAL:.0%}",
                judged(cost["cost"] <= VALIDATION_COST_GOAL),
                cost["cost"],
                "",
            )
        )
        if "load" not in ctx.raw:
            continue
        runs = ctx.raw["load"]["operations"][op.name]
        on, off = runs["fake_validating"], runs["fake"]
        problem = _unclean_summaries({"on": on, "off": off})
        cpu_on, cpu_off = (statistics.median(server["c16"]["round_cpu_us"]) for server in (on, off))
        rows.append(
            Row(
                "6",
                f"{op.name}: two servers, on vs off, at 16 conn: CPU per request (median of rounds); req/s",
                problem
                or (
                    f"{cpu_on:.0f} vs {cpu_off:.0f} µs ({cpu_on / cpu_off - 1:+.0%}); "
                    f"{on['c16']['rps']:,.0f} vs {off['c16']['rps']:,.0f}/s"
                ),
                status=FAIL if problem else INFO,
            )
        )
    return rows


def body_limits(ctx: Context) -> list[Row]:
    """The door's checks (mockserver/limits.py: body size and JSON nesting) on the create path,
    judged in process as section 6 is: the limits at their defaults against both at 0. Two
    bodies: the load section's create (a body that short cannot nest past the limit: not read at
    the door) and one of 1 KB (read and checked)."""
    seed = load.write_fixture(load.fixture(ctx.records), ctx.workdir / "t8-fixture.json")
    creates = next(op for op in OPERATIONS if op.name == "create-record")
    large = {
        **creates.body,
        "data": {**creates.body["data"], "notes": ["a note of about forty characters, ten of them"] * 20},
    }
    operations = (creates, replace(creates, name="create-record-1kb", body=large))
    off = {"max_body_size": 0, "max_json_depth": 0}
    # a cost of a microsecond or two: many short rounds, for a median the machine's noise does not move
    costs = ctx.raw["body_limits"] = validation.measure(
        seed, on={}, off=off, operations=operations, rounds=BODY_LIMITS_ROUNDS, per_round=BODY_LIMITS_PER_ROUND
    )
    rows = []
    for op in operations:
        cost = costs[op.name]
        # judged on the load section's create; the 1 KB one shows what reading and checking a body costs
        judge = op is creates
        rows.append(
            Row(
                "8",
                f"{op.name} ({len(orjson.dumps(op.body)):,} B body): --max-body-size and --max-json-depth at their "
                "defaults vs off (0), the app's time per request, in process (rounds: median, range)",
                f"{ms(cost['off_us'] / 1000)} vs {ms(cost['on_us'] / 1000)}: {cost['cost']:+.1%} "
                f"({cost['lowest']:+.0%} to {cost['highest']:+.0%})",
                f"<= +{BODY_LIMITS_COST_GOAL:.0%}" if judge else "",
                judged(cost["cost"] <= BODY_LIMITS_COST_GOAL) if judge else INFO,
                cost["cost"],
                "",
            )
        )
    return rows


def memory(ctx: Context) -> list[Row]:
    record_id = next(iter(ctx.records))
    foot = ctx.raw["memory"] = soak.footprint(ctx.workdir, ctx.states["full"], ctx.large, record_id)
    raw = ctx.raw["soak"] = soak.soak(
        ctx.workdir, ctx.records, ctx.soak_seconds, ctx.soak_sample_seconds, ctx.jobs_seconds
    )
    jobs, run = raw["jobs"], raw["soak"]
    file_mb = foot["state_file_bytes"] * 100_000 / ctx.large / 2**20
    samples = run["rss_samples_mb"]
    load_summary = run["load"]
    journal = run["journal"]
    rows = [
        Row(
            "7",
            "RSS in memory, empty (after a get, a search, an aggregate)",
            f"{foot['empty']['rss_mb']:.0f} MiB",
            value=foot["empty"]["rss_mb"],
            unit="MiB",
        ),
        Row(
            "7",
            f"RSS with {ctx.large:,} records (--db), same requests; peak",
            f"{foot['full']['rss_mb']:.0f} MiB; peak {foot['full']['peak_mb']:.0f} MiB",
            value=foot["full"]["rss_mb"],
            unit="MiB",
        ),
        Row(
            "7",
            "memory per 100,000 records (RSS difference)",
            f"{foot['per_100k_mb']:.0f} MiB (the state file: {file_mb:.0f} MiB)",
            "stated",
            INFO,
            foot["per_100k_mb"],
            "MiB",
        ),
        Row(
            "7",
            f"RSS per extraction job ({jobs['created']:,} created in {ctx.jobs_seconds} s; no delete in the API)",
            f"{jobs['kib_per_job']:.1f} KiB" if jobs["kib_per_job"] is not None else "no job created",
            value=jobs["kib_per_job"],
            unit="KiB",
        ),
        Row(
            "7",
            f"soak {ctx.soak_seconds} s, 16 conn, deleting what it creates: RSS every {ctx.soak_sample_seconds} s",
            " → ".join(f"{mb:.1f}" for _, mb in samples) + " MiB",
            f"<= +{SOAK_GROWTH_GOAL_MB:.0f} MiB from {ctx.soak_sample_seconds} s",
            judged(run["growth_after_first_sample_mb"] <= SOAK_GROWTH_GOAL_MB),
            run["growth_after_first_sample_mb"],
            "MiB",
        ),
        Row(
            "7",
            "soak: requests (all 2xx), req/s, p50 / p99",
            f"{load_summary['requests']:,}, {load_summary['rps']:,.0f}/s, "
            f"{ms(load_summary['p50_ms'])} / {ms(load_summary['p99_ms'])}",
            value=load_summary["rps"],
            unit="req/s",
        ),
        Row(
            "7",
            "soak: request journal, entries kept / received (size)",
            f"{journal['kept']:,} / {journal['received']:,} ({journal['size']:,})",
            "kept <= size",
            judged(journal["kept"] <= journal["size"]),
            journal["kept"],
            "entries",
        ),
        Row(
            "7",
            "soak: searched collection before → after; created records left (in flight at the end)",
            f"{run['records_before']:,} → {run['records_after']:,}; {run['soak_records_left']} left",
            "unchanged",
            judged(run["records_before"] == run["records_after"] and run["soak_records_left"] <= soak.CONNECTIONS),
        ),
    ]
    after_load = ctx.raw.get("load", {}).get("memory_after_mb")
    if after_load:
        rss = {name: f"{figures['rss_mb']:.0f}" for name, figures in after_load.items()}
        rows.append(
            Row(
                "7",
                "after the load section: RSS of the fake / with --validate-responses / Prism (2 processes)",
                f"{rss['fake']} / {rss['fake_validating']} / {rss['prism_agent_data']} + "
                f"{rss['prism_extraction_v1']} MiB",
            )
        )
    return rows


def workflow_server_on_the_fake(ctx: Context) -> list[Row]:
    raw = ctx.raw["workflow_server"] = workflow_server.hitl(ctx.workdir)
    summary, wall = raw["summary"], raw["summary"]["wall_ms"]
    per_run = {name.split("_")[0]: count / workflow_server.RUNS for name, count in summary["by_operation"].items()}
    label = "workflow server on the fake, one human-in-the-loop run"
    return [
        Row(
            "10",
            f"{label}: Agent Data requests ({' / '.join(per_run)})",
            f"{summary['requests']:.0f} ({' / '.join(f'{n:.0f}' for n in per_run.values())}); "
            f"{summary['not_2xx']} not 2xx",
            "all 2xx",
            judged(summary["not_2xx"] == 0),
            summary["requests"],
            "requests",
        ),
        Row(
            "10",
            f"{label}: wall time, cloud persistence on the fake / in memory (median of {workflow_server.RUNS})",
            f"{ms(wall['cloud'])} / {ms(wall['memory'])} ({wall['cloud'] / wall['memory']:.2f}x)",
            value=wall["cloud"] / wall["memory"],
            unit="x",
        ),
        Row(
            "10",
            f"{label}: the fake's share of its wall time, busy (summed request times)",
            f"{summary['busy_share']:.0%}, {ms(summary['busy_ms'])} ({summary['request_time_share']:.0%})",
            value=summary["busy_share"],
            unit="share",
        ),
    ]


def dashboard_cost(ctx: Context) -> list[Row]:
    jobs = ctx.large // 10  # 10,000 jobs beside 100,000 records
    raw = ctx.raw["dashboard"] = dashboard.first_renders(ctx.workdir, ctx.states["full"], jobs, progress)
    layer = ctx.raw["dashboard_layer"] = dashboard.layer_cost()
    counts = raw["counts"]
    held = f"{counts['agent_data']:,} records, {counts['jobs']:,} jobs, journal {raw['journal']['journal_size']:,} full"
    rows = [
        Row(
            "9",
            f"{view}: first render in Chromium, navigation to view shown ({held}; median of {dashboard.ROUNDS})",
            f"{ms(figures['median_ms'])} (the view's calls and DOM: {ms(figures['view_median_ms'])})",
            f"< {DASHBOARD_RENDER_GOAL_MS:.0f} ms",
            judged(figures["median_ms"] < DASHBOARD_RENDER_GOAL_MS),
            figures["median_ms"],
            "ms",
        )
        for view, figures in raw["views"].items()
    ]
    last = raw["last_page_ms"]
    rows.append(
        Row(
            "9",
            f"agent-data: Last then First over {counts['agent_data']:,} records, click to page shown "
            f"(median of {len(last)})",
            ms(statistics.median(last)),
        )
    )
    closed, opened = raw["closed"], raw["open"]
    rows.append(
        Row(
            "9",
            f"dashboard closed vs open (Overview): the server's CPU and API requests over {dashboard.IDLE_SECONDS} s",
            f"{closed['cpu_ms_per_s']:.1f} vs {opened['cpu_ms_per_s']:.1f} ms CPU per second; "
            f"{closed['api_requests']} vs {opened['api_requests']} API requests",
        )
    )
    rows.append(
        Row(
            "9",
            "the dashboard's layer in front of every API request (in process, median of 5 rounds)",
            f"{layer['median_ns']:.0f} ns per request ({layer['median_ns'] / 1e6 / LATENCY_GOAL_MS:.2%} "
            f"of the {LATENCY_GOAL_MS} ms latency goal)",
        )
    )
    return rows


def workflow_server_against_the_real_one(ctx: Context) -> list[Row]:
    raw = workflow_vs_real.fake_against_real(ctx.workdir, progress)
    c16, c1, flows = raw["echo_c16"], raw["echo_c1"], raw["hitl_flows_per_s"]
    ctx.raw["workflow_vs_real"] = {
        **raw,
        "echo_c16": {name: run.summary() for name, run in c16.items()},
        "echo_c1": {name: run.summary() for name, run in c1.items()},
    }
    problem = _unclean({"fake": {"c16": c16["fake"], "c1": c1["fake"]}, "real": {"c16": c16["real"], "c1": c1["real"]}})
    runs, runs_low, runs_high = paired(c16["fake"].extra["round_rps"], c16["real"].extra["round_rps"])
    fake_flows, real_flows = flows["fake"], flows["real"]
    flows_ratio, flows_low, flows_high = paired(fake_flows, real_flows)
    handlers, streams = raw["handlers"], raw["streams"]
    ended = workflow_vs_real.ENDED_HANDLERS
    per_handler_kb = (raw["fake_rss_ended_mb"] - raw["fake_rss_warm_mb"]) * 1024 / ended
    rounds = f"{workflow_vs_real.ROUNDS} paired rounds of {workflow_vs_real.ROUND_SECONDS} s"
    return [
        Row(
            "11",
            f"echo, synchronous runs/s at 16 conn, fake vs real; ratio of {rounds}: median (range)",
            f"{_rps(c16['fake'])} vs {_rps(c16['real'])}; "
            f"rounds: {_floor2(runs)}x ({_floor2(runs_low)}-{_floor2(runs_high)}x)",
            f">= {WORKFLOW_RUNS_RATIO_GOAL:.0f}x",
            judged(runs >= WORKFLOW_RUNS_RATIO_GOAL and not problem),
            runs,
            "x",
        ),
        Row(
            "11",
            "echo, one at a time: runs/s, p50 / p99, fake vs real",
            problem or f"{_rps(c1['fake'])}, {_latency(c1['fake'])} vs {_rps(c1['real'])}, {_latency(c1['real'])}",
            status=FAIL if problem else INFO,
            value=c1["fake"].p50_ms,
            unit="ms",
        ),
        Row(
            "11",
            "hitl, full runs/s at 16 clients (run-nowait, stream, answer, stream to the end), fake vs real; "
            "paired rounds: median (range)",
            f"{statistics.median(fake_flows):,.0f} vs {statistics.median(real_flows):,.0f}; "
            f"rounds: {_floor2(flows_ratio)}x ({_floor2(flows_low)}-{_floor2(flows_high)}x)",
            f">= {WORKFLOW_FLOWS_RATIO_GOAL:.0f}x",
            judged(flows_ratio >= WORKFLOW_FLOWS_RATIO_GOAL),
            flows_ratio,
            "x",
        ),
        Row(
            "11",
            f"{streams['streams']} SSE streams held open on one fake, {streams['events']:,} events all in order: "
            "answer sent → caused event read, p50 / p99 / max",
            f"{ms(streams['p50_ms'])} / {ms(streams['p99_ms'])} / {ms(streams['max_ms'])}",
            f"p99 < {STREAM_P99_GOAL_MS:.0f} ms",
            judged(streams["p99_ms"] < STREAM_P99_GOAL_MS),
            streams["p99_ms"],
            "ms",
        ),
        Row(
            "11",
            "the fake's RSS per open SSE stream",
            f"{streams['rss_per_stream_kb']:.0f} KiB "
            f"({streams['rss_before_mb']:.0f} → {streams['rss_held_mb']:.0f} MiB)",
            value=streams["rss_per_stream_kb"],
            unit="KiB",
        ),
        Row(
            "11",
            f"GET /handlers, {ended:,} ended handlers held ({handlers['bytes'] / 1e6:.1f} MB), "
            f"median of {handlers['gets']}",
            ms(handlers["median_ms"]),
            f"< {HANDLERS_LIST_GOAL_MS:.0f} ms",
            judged(handlers["median_ms"] < HANDLERS_LIST_GOAL_MS),
            handlers["median_ms"],
            "ms",
        ),
        Row(
            "11",
            f"the fake's RSS per ended handler ({ended:,} held; the fake keeps --max-ended-handlers, default 100,000)",
            f"{per_handler_kb:.1f} KiB",
            value=per_handler_kb,
            unit="KiB",
        ),
    ]


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


SECTIONS = [  # (row number, title, section)
    ("0", "preparing records and state files", prepare),
    ("1", "target 1: write cost against table size", write_cost),
    ("2", "target 2: queries over one large collection", queries),
    ("3", "target 3: start-up", start_up),
    ("4", "target 4: persisted file hygiene", hygiene),
    ("5", "issue 7, targets 1-2: requests/s and latency against Prism", against_prism),
    ("6", "issue 7, target 2: the cost of --validate-responses", response_validation),
    ("7", "issue 7, target 3: memory and soak", memory),
    ("8", "issue 13: the cost of the body size and nesting checks on the create path", body_limits),
    ("9", "issue 18: the dashboard's first render and its cost when closed", dashboard_cost),
    ("10", "issue 14: the vendor's workflow server on the fake's Agent Data", workflow_server_on_the_fake),
    ("11", "issue 16: the workflow server against the real one", workflow_server_against_the_real_one),
]
