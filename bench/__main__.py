"""``python -m bench``: run every section, print the table, write reports/bench.json.

Exit code 0 when every figure was measured, whatever the targets say (FAIL is printed);
1 when a section could not run (ERROR rows).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path

from bench.report import ERROR, FAIL, Row, markdown, render, write_json
from bench.server import ROOT
from bench.stats import now
from bench.suite import SECTIONS, Context, progress


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="the large table size (default 100000)")
    parser.add_argument(
        "--json", type=Path, default=None, help="where the JSON goes (reports/bench.json; --quick: bench-quick.json)"
    )
    parser.add_argument("--load-seconds", type=int, default=None, help="each wrk run of the load section (default 5)")
    parser.add_argument("--soak-seconds", type=int, default=None, help="the soak's mixed load (default 60)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="a smoke run of about 2 minutes: 20,000 records, 1 s per load figure, a 20 s soak (or BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--only", default="", help="the sections to run, by number, e.g. 5,6,7 (the preparation always runs)"
    )
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.json is None:
        args.json = ROOT / "reports" / ("bench-quick.json" if args.quick else "bench.json")
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    return args


FULL = {"records": 100_000, "load_seconds": 5, "soak_seconds": 60}
QUICK = {"records": 20_000, "load_seconds": 1, "soak_seconds": 20}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    started = now()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="llamacloud-mock-bench-") as tmp:
        ctx = Context(
            workdir=Path(tmp),
            large=args.records,
            load_seconds=args.load_seconds,
            soak_seconds=args.soak_seconds,
            soak_sample_seconds=max(1, min(10, args.soak_seconds // 4)),
            jobs_seconds=3 if args.quick else 10,
        )
        for number, title, section in SECTIONS:
            if args.only and number != "0" and number not in args.only:
                continue
            progress(f"{title} (1-min load average {os.getloadavg()[0]:.2f}) ...")
            section_started = now()
            try:
                rows += section(ctx)
            except Exception as e:  # report the failure and go on with the other sections
                traceback.print_exc()
                last_line = (str(e).strip().splitlines() or [type(e).__name__])[-1]  # servers' logs end with the cause
                rows.append(Row(number, title, last_line[:100], status=ERROR))
                if number == "0":
                    break  # nothing to measure without the prepared records
            progress(f"{title}: {now() - section_started:.1f} s")
    seconds = now() - started
    load_after = os.getloadavg()[0]
    print(render(rows))
    failed = [r for r in rows if r.status == FAIL]
    errors = [r for r in rows if r.status == ERROR]
    print(
        f"\n{len(failed)} target(s) failed, {len(errors)} error(s); total {seconds:.0f} s on {os.cpu_count()} CPUs "
        f"(1-min load average {load_before:.2f} before, {load_after:.2f} after: other work skews the figures)"
    )
    settings = {
        "large_records": args.records,
        "load_seconds": ctx.load_seconds,
        "warmup_seconds": ctx.warmup_seconds,
        "soak_seconds": ctx.soak_seconds,
        "jobs_seconds": ctx.jobs_seconds,
        "quick": args.quick,
        "sections": sorted(args.only) or "all",
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }
    write_json(args.json, rows, ctx.raw, seconds, settings)
    args.json.with_suffix(".md").write_text(markdown(rows))
    print(f"JSON: {args.json} (the table in Markdown: {args.json.with_suffix('.md')})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
