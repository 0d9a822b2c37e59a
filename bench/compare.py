"""``python -m bench.compare BEFORE.json AFTER.json``: two runs of ``make bench`` side by side.

For a change that must not move the figures (a refactoring), or one that should: every row of
the two runs, matched by section and measurement, with both figures, the change of the judged
value where both runs have one in the same unit, and both verdicts. A value without a unit is a
relative cost (0.10: +10% over the same work without the feature), so its change is given in
percentage points, not as a percentage of a percentage. Rows are matched by their label, else by
their label with its numbers left out ("RSS per extraction job (22,292 created in 10 s)" counts what
the run managed); rows only one run has are listed too, so a section that stopped reporting shows.
The table is Markdown, to paste into a pull request or the docs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import orjson


def _rows(document: dict) -> dict[tuple[str, str], dict]:
    return {(row["target"], row["label"]): row for row in document.get("rows", [])}


def _without_numbers(key: tuple[str, str]) -> tuple[str, str]:
    return key[0], re.sub(r"\d[\d,.]*", "#", key[1])


def _pairs(old: dict, new: dict) -> list[tuple[dict | None, dict | None]]:
    """Rows of both runs paired: by label, then the rest by label without numbers; the earlier run's order."""
    unmatched = {_without_numbers(key): key for key in new if key not in old}
    pairs, taken = [], set()
    for key, row in old.items():
        match = key if key in new else unmatched.get(_without_numbers(key))
        if match is not None and match not in taken:
            taken.add(match)
            pairs.append((row, new[match]))
        else:
            pairs.append((row, None))
    return pairs + [(None, row) for key, row in new.items() if key not in taken]


def change(before: dict | None, after: dict | None) -> str:
    """After against before, as a signed percentage of the before value; "" when not comparable."""
    if not before or not after:
        return ""
    a, b = before.get("value"), after.get("value")
    if not isinstance(a, int | float) or not isinstance(b, int | float) or before.get("unit") != after.get("unit"):
        return ""
    if before.get("unit") == "":  # a relative cost
        return f"{(b - a) * 100:+.1f} pts"
    if a == 0:
        return "=" if b == 0 else ""
    return f"{(b - a) / abs(a) * 100:+.1f}%"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _run_line(name: str, document: dict) -> str:
    machine = document.get("machine") or {}
    settings = document.get("settings") or {}
    load = settings.get("load_average_before", machine.get("load_average_1m", "?"))
    quick = " (quick)" if settings.get("quick") else ""
    return (
        f"- {name}: commit {document.get('commit') or '?'}, {document.get('generated_at', '?')}{quick}, "
        f"{machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}, 1-min load average {load}"
    )


def compare(before: dict, after: dict) -> str:
    pairs = _pairs(_rows(before), _rows(after))
    lines = [
        _run_line("before", before),
        _run_line("after", after),
        "",
        "| # | measurement | before | after | change | result |",
        "|---|---|---|---|---|---|",
    ]
    for a, b in pairs:
        result = f"{a['status']} → {b['status']}" if a and b else (a or b)["status"]
        cells = (
            (a or b)["target"],
            (b or a)["label"],
            a["figure"] if a else "(not run)",
            b["figure"] if b else "(not run)",
            change(a, b),
            result,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the JSON of the earlier run (reports/bench.json of it)")
    parser.add_argument("after", type=Path, help="the JSON of the later run")
    args = parser.parse_args(argv)
    documents = []
    for path in (args.before, args.after):
        try:
            documents.append(orjson.loads(path.read_bytes()))
        except (OSError, orjson.JSONDecodeError) as error:
            print(f"bench.compare: cannot read {path}: {error}. Give the JSON of a `make bench` run.", file=sys.stderr)
            return 2
    sys.stdout.write(compare(*documents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
