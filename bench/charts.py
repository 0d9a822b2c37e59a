"""``python -m bench.charts [BENCH_JSON]``: the docs' benchmark charts, drawn from a run's JSON.

Reads the figures ``python -m bench`` wrote (reports/bench.json by default; section 5, the fake against
Prism) and draws docs/img/bench-throughput.png (requests/s at 16 connections, per operation and server)
and docs/img/bench-latency.png (median latency at 1 connection), each captioned with the run's date,
settings and machine. `make bench-charts` draws them (BENCH_JSON= names another run's JSON).
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
SERVERS = {  # the servers of section 5 (bench/load.py), as the charts name them
    "fake": "llamacloud-mock",
    "fake_validating": "llamacloud-mock --validate-responses",
    "prism": "Prism (stateless)",
}
COLOURS = {"fake": "#3b6fb6", "fake_validating": "#8fb1e0", "prism": "#c9793a"}


class NoLoadFigures(ValueError):
    """The JSON holds no section 5 (run `make bench`, or `BENCH_ARGS="--only 5"`)."""


def _caption(document: dict) -> str:
    machine, settings = document["machine"], document["settings"]
    quick = ", quick run" if settings.get("quick") else ""
    return (
        f"make bench, {document['generated_at'][:16].replace('T', ' ')} UTC{quick}: {machine['cpus']} CPUs, "
        f"Python {machine['python']}, load average {settings['load_average_before']}; "
        f"{settings['load_seconds']} s per server and operation"
    )


def _bars(axes, operations: dict, connections: str, field: str) -> None:
    names = list(operations)
    servers = [s for s in SERVERS if all(s in operations[op] for op in names)]
    width = 0.8 / len(servers)
    for index, server in enumerate(servers):
        values = [operations[op][server][connections][field] for op in names]
        positions = [n + (index - (len(servers) - 1) / 2) * width for n in range(len(names))]
        bars = axes.bar(positions, values, width, label=SERVERS[server], color=COLOURS[server])
        axes.bar_label(bars, labels=[_short(v, field) for v in values], fontsize=7, padding=2)
    axes.set_xticks(range(len(names)), names)
    axes.legend(frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)


def _short(value: float, field: str) -> str:
    if field == "rps":
        return f"{value:,.0f}"
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.1f} ms"


def draw(bench_json: Path, out_dir: Path = IMG) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot, ticker

    document = orjson.loads(bench_json.read_bytes())
    operations = document.get("raw", {}).get("load", {}).get("operations")
    if not operations:
        raise NoLoadFigures(f"{bench_json} has no load figures (section 5): run make bench first")
    charts = [
        ("bench-throughput.png", "c16", "rps", "requests per second at 16 connections (higher is better)", False),
        ("bench-latency.png", "c1", "p50_ms", "median latency at 1 connection, ms (lower is better; log scale)", True),
    ]
    written = []
    for name, connections, field, title, log in charts:
        figure, axes = pyplot.subplots(figsize=(9, 4.2), dpi=110)
        _bars(axes, operations, connections, field)
        if log:
            axes.set_yscale("log")
            axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axes.set_title(title, fontsize=11, loc="left")
        figure.text(0.01, 0.01, _caption(document), fontsize=7, color="#555555")
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        out_dir.mkdir(parents=True, exist_ok=True)
        figure.savefig(out_dir / name, metadata={"Software": None})
        pyplot.close(figure)
        written.append(out_dir / name)
    return written


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ROOT / "reports" / "bench.json"
    if not source.exists():
        print(f"{source} does not exist: run make bench (or name another run's JSON)", file=sys.stderr)
        return 2
    try:
        for path in draw(source):
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    except NoLoadFigures as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
