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

from bench.report import ERROR, FAIL, Row, render, write_json
from bench.server import ROOT
from bench.stats import now
from bench.suite import SECTIONS, Context


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="the large table size (default %(default)s)")
    parser.add_argument("--json", type=Path, default=ROOT / "reports" / "bench.json", help="where the JSON goes")
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    started = now()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="llamacloud-mock-bench-") as tmp:
        ctx = Context(workdir=Path(tmp), large=args.records)
        for number, title, section in SECTIONS:
            progress(f"{title} ...")
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
    write_json(
        args.json, rows, ctx.raw, seconds, {"large_records": args.records, "load_average_before": round(load_before, 2)}
    )
    print(f"JSON: {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
