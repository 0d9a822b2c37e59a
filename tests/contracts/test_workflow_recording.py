"""The scenario entry a recording becomes (mockserver/workflow_recording.py), without a server: the
command itself runs against the real workflow server in tests/workflows/test_record.py."""

from __future__ import annotations

import pytest
import yaml

from mockserver.workflow_recording import RecordError, Recording, Seen, parse_answer, scenario_entry, write


def envelope(event_type, value, types=None, qualified_name=None):
    return {"type": event_type, "value": value, "types": types, "qualified_name": qualified_name}


def hitl(status="completed"):
    return Recording(
        "demo", "hitl", "h1",
        events=[
            Seen(envelope("Progress", {"pct": 50}, qualified_name="demo.workflows.Progress"), at=1.04),
            Seen(envelope("Ask", {"q": "ok?"}, ["InputRequiredEvent"], "app.Ask"), at=1.26,
                 answer=("Answer", {"r": "y"}), answered_at=5.0),
            Seen(envelope("StopEvent", {"result": 42}), at=5.35),
        ],
        handler={"status": status, "error": None},
        event_schemas={"Answer": {"title": "Answer", "type": "object", "properties": {"r": {"type": "string"}}}},
    )  # fmt: skip


def test_events_become_steps_with_waits_from_the_previous_event_or_the_answer():
    assert scenario_entry(hitl()) == {
        "steps": [
            {"emit": "Progress", "data": {"pct": 50}, "after": 1.0},
            {"ask": "Ask", "data": {"q": "ok?"}, "qualified_name": "app.Ask", "expect": "Answer",
             "expect_schema": {"type": "object", "properties": {"r": {"type": "string"}}}, "after": 0.2},
            {"stop": {"result": 42}, "after": 0.3},  # since the answer was sent, not since the question
        ]
    }  # fmt: skip


def test_speed_divides_the_waits():
    assert [step.get("after") for step in scenario_entry(hitl(), speed=2)["steps"]] == [0.5, 0.1, 0.2]


def test_a_failed_run_ends_with_its_error_and_a_cancelled_one_is_refused():
    failed = hitl("failed")
    failed.handler["error"] = "boom"
    failed.events[-1] = Seen(envelope("WorkflowFailedEvent", {}, ["StopEvent"]), at=5.35)
    assert scenario_entry(failed)["steps"][-1] == {"fail": "boom", "after": 0.3}
    with pytest.raises(RecordError, match="cancelled"):
        scenario_entry(hitl("cancelled"))


def test_recordings_add_up_in_one_file_of_one_deployment(tmp_path):
    output = tmp_path / "s.yaml"
    write(hitl(), {"steps": [{"stop": {"result": 1}}]}, output)
    echo = Recording("demo", "echo", "h2")
    write(echo, {"steps": [{"stop": {"result": 2}}]}, output)
    assert list(yaml.safe_load(output.read_text())["workflows"]) == ["hitl", "echo"]
    with pytest.raises(RecordError, match="deployment 'demo', not 'other'"):
        write(Recording("other", "x", "h3"), {"steps": []}, output)


def test_answers_are_type_equals_json():
    assert parse_answer('AnswerEvent={"response": "yes"}') == ("AnswerEvent", {"response": "yes"})
    with pytest.raises(RecordError, match="TYPE=JSON"):
        parse_answer("AnswerEvent")
    with pytest.raises(RecordError, match="not JSON"):
        parse_answer("AnswerEvent={nope")
