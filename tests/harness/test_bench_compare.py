"""bench/compare.py sets two runs of make bench side by side, row by row."""

from __future__ import annotations

import orjson

from bench import compare


def _run(commit: str, rows: list[dict]) -> dict:
    return {
        "generated_at": "2026-12-06T17:43:13+00:00",
        "commit": commit,
        "machine": {"cpus": 2, "python": "3.11.7", "load_average_1m": 0.8},
        "settings": {"quick": False, "load_average_before": 0.5},
        "rows": rows,
    }


def _row(target: str, label: str, figure: str, value, unit: str = "ms", status: str = "info") -> dict:
    row = {"target": target, "label": label, "figure": figure, "goal": "", "status": status}
    return row | {"value": value, "unit": unit}


def test_rows_are_matched_by_section_and_label_with_the_change_of_their_value():
    before = _run(
        "44dff85",
        [
            _row("1", "create median", "340 µs", 0.340),
            _row("5", "get-record vs Prism", "4.94x", 4.94, "x", "PASS"),
            _row("7", "gone | later", "3", 3, "entries"),
        ],
    )
    after = _run(
        "abc1234",
        [
            _row("5", "get-record vs Prism", "2.50x", 2.50, "x", "FAIL"),
            _row("1", "create median", "357 µs", 0.357),
            _row("9", "new row", "1 s", 1.0, "s"),
        ],
    )
    lines = compare.compare(before, after).splitlines()
    assert lines[0].startswith("- before: commit 44dff85, 2026-12-06T17:43:13+00:00, 2 CPUs")
    assert lines[1].startswith("- after: commit abc1234") and lines[1].endswith("load average 0.5")
    table = lines[lines.index("| # | measurement | before | after | change | result |") + 2 :]
    # the earlier run's order, then the rows only the later one has; a pipe in a label is escaped
    assert table == [
        "| 1 | create median | 340 µs | 357 µs | +5.0% | info → info |",
        "| 5 | get-record vs Prism | 4.94x | 2.50x | -49.4% | PASS → FAIL |",
        "| 7 | gone \\| later | 3 | (not run) |  | info |",
        "| 9 | new row | (not run) | 1 s |  | info |",
    ]


def test_a_label_that_counts_what_its_run_did_is_matched_without_its_numbers():
    before = _run("a", [_row("7", "RSS per job (22,292 created)", "3.9 KiB", 3.9, "KiB"), _row("7", "#1,000", "1", 1)])
    after = _run("b", [_row("7", "#1,000", "2", 2), _row("7", "RSS per job (25,593 created)", "3.8 KiB", 3.8, "KiB")])
    table = compare.compare(before, after).splitlines()[5:]
    assert table == [
        "| 7 | RSS per job (25,593 created) | 3.9 KiB | 3.8 KiB | -2.6% | info → info |",
        "| 7 | #1,000 | 1 | 2 | +100.0% | info → info |",
    ]


def test_a_relative_cost_changes_in_percentage_points():
    # section 6: +10% for response validation before, +15.5% after: 5.5 points, not +55%
    assert compare.change(_row("6", "cost", "+10%", 0.10, ""), _row("6", "cost", "+15.5%", 0.155, "")) == "+5.5 pts"


def test_values_in_different_units_or_missing_are_not_compared():
    assert compare.change(_row("1", "a", "1 ms", 1.0, "ms"), _row("1", "a", "1 s", 1.0, "s")) == ""
    assert compare.change(_row("1", "a", "-", None), _row("1", "a", "2 ms", 2.0)) == ""
    assert compare.change(_row("1", "a", "0", 0, "rewrites"), _row("1", "a", "0", 0, "rewrites")) == "="
    assert compare.change(_row("1", "a", "2 ms", 2.0), _row("1", "a", "1 ms", 1.0)) == "-50.0%"


def test_the_command_reads_two_files_and_refuses_an_unreadable_one(tmp_path, capsys):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_bytes(orjson.dumps(_run("a", [_row("2", "search", "2.60 ms", 2.6)])))
    after.write_bytes(orjson.dumps(_run("b", [_row("2", "search", "2.34 ms", 2.34)])))
    assert compare.main([str(before), str(after)]) == 0
    assert "| 2 | search | 2.60 ms | 2.34 ms | -10.0% | info → info |" in capsys.readouterr().out
    assert compare.main([str(tmp_path / "missing.json"), str(after)]) == 2
    assert "cannot read" in capsys.readouterr().err
