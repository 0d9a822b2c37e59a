"""The contract harness catches drift: each kind, with its operation and JSON path; none when there is none.

The drifted target is the fake itself with a deliberate departure from its spec switched on
(tests/contracts/drift.py, around the app), run in process over Schemathesis' ASGI transport with a few examples.
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis")

from drift import DRIFTS, DriftMiddleware  # noqa: E402

from contracts import report  # noqa: E402
from contracts.runner import RunOptions, run  # noqa: E402
from contracts.targets import resolve  # noqa: E402
from mockserver.app import create_app  # noqa: E402
from mockserver.config import Config  # noqa: E402

KEY = "drift-key"
OPTIONS = RunOptions(max_examples=5, phases=("examples", "fuzzing", "stateful"))
RECORDS = ("create_agent_data", "get_agent_data")


def contract(spec: str, operation_ids: tuple[str, ...], drift: tuple[str, ...] = ()):
    app = DriftMiddleware(create_app(Config(api_keys=(KEY,), job_duration=0, id_seed=7)), drifts=drift)
    options = RunOptions(**{**OPTIONS.__dict__, "operation_ids": operation_ids})
    return run(resolve(spec), app=app, token=KEY, options=options)


def found(result) -> set[tuple[str, str, str]]:
    return {(f.operation, f.code, f.json_path) for f in result.failures.values()}


@pytest.mark.parametrize(
    ("drift", "spec", "operations", "expected"),
    [
        ("wrong-type", "agent_data", RECORDS, ("GET /api/v1/beta/agent-data/{item_id}", "ST108", "$.created_at")),
        ("missing-field", "agent_data", RECORDS, ("GET /api/v1/beta/agent-data/{item_id}", "ST108", "$.project_id")),
        ("undocumented-status", "agent_data", RECORDS, ("POST /api/v1/beta/agent-data", "ST103", "(status)")),
        (
            "extra-enum",
            "extraction_v1",
            ("get_or_create_default_extraction_agent",),
            ("GET /api/v1/extraction/extraction-agents/default", "ST108", "$.custom_configuration"),
        ),
    ],
)
def test_each_drift_is_reported_with_its_operation_and_json_path(drift, spec, operations, expected):
    result = contract(spec, operations, (drift,))
    assert not result.ok
    assert found(result) == {expected}
    assert result.errors == []
    [failure] = result.failures.values()
    assert failure.status in (200, 201)
    markdown = report.markdown([result])
    assert "DRIFT FOUND" in markdown
    assert f"`{expected[0]}` | " in markdown and f"`{expected[2]}`" in markdown
    junit = report.junit_xml([result])
    assert f'name="{expected[0]}"' in junit and f'message="{expected[1]} ' in junit


def test_the_messages_say_what_is_wrong():
    wrong_type = next(iter(contract("agent_data", RECORDS, ("wrong-type",)).failures.values()))
    assert wrong_type.title == "Response violates schema"
    assert "1700000000 is not of type" in wrong_type.message
    status = next(iter(contract("agent_data", RECORDS, ("undocumented-status",)).failures.values()))
    assert status.message.splitlines()[:2] == ["Received: 201", "Documented: 200, 401, 422"]


@pytest.mark.parametrize(
    ("spec", "operations"), [("agent_data", RECORDS), ("extraction_v1", ("get_or_create_default_extraction_agent",))]
)
def test_a_conforming_target_reports_no_drift(spec, operations):
    result = contract(spec, operations)
    assert result.ok
    assert result.failures == {} and result.errors == []
    assert all(stats.requests > 0 for stats in result.operations.values())
    assert "no drift" in report.markdown([result])


def test_every_drift_is_tested_and_an_unknown_one_is_refused():
    assert set(DRIFTS) == {"wrong-type", "missing-field", "undocumented-status", "extra-enum"}
    with pytest.raises(ValueError, match="unknown drift nope: choose among wrong-type"):
        DriftMiddleware(create_app(Config()), drifts=("nope",))
