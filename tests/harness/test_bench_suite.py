"""bench/suite.py judges two servers by the median ratio of their paired rounds: a round that
other work on the machine slowed cannot pass or fail a target on its own."""

from __future__ import annotations

from pathlib import Path

from bench import suite
from bench.report import FAIL, PASS
from bench.wrk import merge
from tests.harness.test_bench_wrk import _run


def rounds(*rps, cpu_us=None):
    runs = [_run(n, {100: n}, 0.1) for n in rps]
    for run, cost in zip(runs, cpu_us or ()):
        run.extra["cpu_us"] = cost
    return merge(runs)


def test_paired_rounds_give_the_median_ratio_and_its_range():
    assert suite.paired([300, 330, 90, 310, 290], [100, 100, 100, 100, 100]) == (3.0, 0.9, 3.3)
    assert suite.paired([8, 6], [2, 2]) == (3.5, 3.0, 4.0)  # even: the mean of the middle two
    assert suite.paired([5, 5], [0, 0]) == (0.0, 0.0, 0.0)  # no round answered: no ratio


def _context(fake, prism, validating):
    ctx = suite.Context(workdir=Path("/nowhere"), large=0)
    ctx.raw["load"] = {
        "operations": {
            op.name: {
                "fake": {"c1": rounds(10).summary(), "c16": fake.summary()},
                "fake_validating": {"c1": rounds(10).summary(), "c16": validating.summary()},
            }
            for op in suite.OPERATIONS
        }
    }
    return ctx


def test_one_slow_round_neither_fails_nor_passes_the_targets(monkeypatch):
    # the fake 3.2x Prism in four rounds of five, and one round hit by other work (0.5x): the
    # summed figures would say 2.67x; the paired rounds say 3.2x
    fake, prism = rounds(320, 320, 50, 320, 320), rounds(100, 100, 100, 100, 100)
    assert fake.rps / prism.rps < 3
    monkeypatch.setattr(
        suite.load,
        "throughput",
        lambda *a, **k: {
            "operations": {op.name: {"fake": {"c1": rounds(10), "c16": fake}, "prism": {"c1": rounds(5), "c16": prism}}
                           for op in suite.OPERATIONS},
            "started_s": {"fake": 1, "prism_agent_data": 1, "prism_extraction_v1": 1},
            "load_average": {"x": 1.0}, "prism_version": "5.16.0",
        },
    )  # fmt: skip
    ctx = suite.Context(workdir=None, large=0)
    judged = [row for row in suite.against_prism(ctx) if "vs Prism; ratio" in row.label]
    assert [row.status for row in judged] == [PASS] * len(suite.OPERATIONS)
    assert judged[0].figure == "266 vs 100; rounds: 3.20x (0.50-3.20x)"


def test_validation_is_judged_in_process_and_the_servers_shown_beside(monkeypatch):
    costs = {
        op.name: {"off_us": 100.0, "on_us": 110.0, "cost": 0.1, "lowest": 0.05, "highest": 0.9}
        for op in suite.OPERATIONS
    }
    costs["search"] = {**costs["search"], "on_us": 140.0, "cost": 0.4}
    monkeypatch.setattr(suite.validation, "measure", lambda seed: costs)
    monkeypatch.setattr(suite.load, "write_fixture", lambda document, path: path)
    off = rounds(1100, 1100, 800, 1100, 1100, cpu_us=[100, 100, 100, 100, 100])
    on = rounds(1000, 1000, 400, 1000, 1000, cpu_us=[110, 110, 220, 110, 110])
    rows = suite.response_validation(_context(off, None, on))
    judged = {row.label.split(":")[0]: row for row in rows if row.goal}
    assert {name: row.status for name, row in judged.items()} == {
        op.name: FAIL if op.name == "search" else PASS for op in suite.OPERATIONS
    }
    assert judged["get-record"].figure == "100 µs vs 110 µs: +10% (+5% to +90%)"
    shown = [row for row in rows if not row.goal]
    assert len(shown) == len(suite.OPERATIONS) and shown[0].figure == "110 vs 100 µs (+10%); 880 vs 1,040/s"


def test_the_in_process_measure_answers_every_operation(monkeypatch, tmp_path):
    from bench import dataset, load, validation

    monkeypatch.setattr(validation, "ROUNDS", 2)
    monkeypatch.setattr(validation, "REQUESTS", {op.name: 3 for op in suite.OPERATIONS})
    seed = load.write_fixture(load.fixture(dataset.generate(3000), count=60), tmp_path / "seed.json")
    costs = validation.measure(seed)
    assert set(costs) == {op.name for op in suite.OPERATIONS}
    for cost in costs.values():
        assert cost["off_us"] > 0 and cost["on_us"] > 0 and cost["lowest"] <= cost["cost"] <= cost["highest"]
