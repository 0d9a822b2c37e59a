"""bench/charts.py draws the docs' benchmark charts from a run's JSON, and refuses a JSON without them."""

from __future__ import annotations

import orjson
import pytest

from bench import charts


def _run(operations: dict) -> dict:
    return {
        "generated_at": "2026-12-06T16:00:00+00:00",
        "machine": {"cpus": 2, "python": "3.11.7"},
        "settings": {"quick": True, "load_average_before": 1.5, "load_seconds": 3},
        "raw": {"load": {"operations": operations}} if operations else {},
    }


def _figures(rps: float, p50_ms: float) -> dict:
    return {"c1": {"rps": rps / 4, "p50_ms": p50_ms}, "c16": {"rps": rps, "p50_ms": p50_ms * 4}}


def test_charts_are_drawn_from_the_load_figures(tmp_path):
    operations = {
        op: {"fake": _figures(9000, 0.11), "fake_validating": _figures(8000, 0.13), "prism": _figures(2000, 0.74)}
        for op in ("get-record", "create-record", "search")
    }
    source = tmp_path / "bench.json"
    source.write_bytes(orjson.dumps(_run(operations)))
    written = charts.draw(source, tmp_path / "img")
    assert [p.name for p in written] == ["bench-throughput.png", "bench-latency.png"]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert "quick run" in charts._caption(_run(operations)) and "2 CPUs" in charts._caption(_run(operations))


def test_a_run_without_the_load_section_is_refused(tmp_path, capsys):
    source = tmp_path / "bench.json"
    source.write_bytes(orjson.dumps(_run({})))
    with pytest.raises(charts.NoLoadFigures, match="run make bench first"):
        charts.draw(source, tmp_path)
    assert charts.main([str(source)]) == 2 and "no load figures" in capsys.readouterr().err
    assert charts.main([str(tmp_path / "missing.json")]) == 2
