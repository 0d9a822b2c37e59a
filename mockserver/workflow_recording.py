"""``llamacloud-mock workflows record``: a scenario file made from a real run of a workflow.

A live recording runs the workflow on a real workflow server (``llamactl serve`` locally, or a deployed
LlamaAgents app), reads its event stream (``include_internal=false``) as a client does, answers each
input-required event with the next ``--answer``, and notes when each event came. ``--from-handler``
reads the event log of a run that has ended instead (``after_sequence=-1``), with no timings: the log
keeps none. Either way the events become steps of a scenario (docs/workflows.md):

* an event whose types name ``InputRequiredEvent`` is an ``ask``, expecting the answer's type (with the
  answer class's fields as ``expect_schema``, from ``GET /workflows/{name}/events``);
* the ``StopEvent`` is the ``stop`` with its result; a failed run ends with ``fail`` and the handler's error;
* any other event is an ``emit`` with its value, ``types`` and ``qualified_name`` as they came;
* the wait before each step (``after``) is the time since the previous event (or since the answer was
  sent), divided by ``speed`` and rounded to a tenth of a second.

The start event's schema (``GET /workflows/{name}/schema``) becomes the workflow's ``start``. The entry is
added to the output file when it exists (its deployment must be the same), so that several recordings
make one deployment.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

INPUT_REQUIRED = "InputRequiredEvent"
INTERNAL = "InternalDispatchEvent"
STOP, FAILED, CANCELLED = "StopEvent", "WorkflowFailedEvent", "WorkflowCancelledEvent"
SCHEMA_KEYS = ("type", "properties", "required", "title")


class RecordError(Exception):
    """A recording that cannot be made; the message says why and what to do."""


@dataclass
class Seen:
    """One event of the run as a client saw it, and when (seconds since the run started)."""

    envelope: dict
    at: float = 0.0
    answer: tuple[str, Any] | None = None  # what was sent back to an input-required event
    answered_at: float = 0.0


@dataclass
class Recording:
    deployment: str
    workflow: str
    handler_id: str
    events: list[Seen] = field(default_factory=list)
    handler: dict = field(default_factory=dict)
    start_schema: dict | None = None
    event_schemas: dict[str, dict] = field(default_factory=dict)


def deployment_of(base_url: str) -> str:
    """``wfdemo`` of ``http://host/deployments/wfdemo``: recordings are made against a deployment's URL."""
    head, found, name = base_url.rstrip("/").rpartition("/deployments/")
    if not found or not name or "/" in name:
        raise RecordError(
            f"--base-url {base_url} is not a deployment's URL: give it as the clients take it, "
            "http://localhost:4501/deployments/<name> (or https://api.cloud.llamaindex.ai/deployments/<name>)"
        )
    return name


class Recorder:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 600.0):
        self.deployment = deployment_of(base_url)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeouts = httpx.Timeout(30, read=timeout)  # a run's stream may stay silent for a long step
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeouts)

    def close(self) -> None:
        self.http.close()

    def _json(self, response: httpx.Response, doing: str, ok: tuple[int, ...] = (200,)) -> Any:
        if response.status_code not in ok:
            raise RecordError(f"{doing}: the server answered {response.status_code} {response.text[:300]}")
        return response.json()

    def _schemas(self, recording: Recording) -> None:
        name = recording.workflow
        start = self._json(self.http.get(f"/workflows/{name}/schema"), f"reading {name}'s start schema")["start"]
        recording.start_schema = start if start.get("properties") else None
        events = self._json(self.http.get(f"/workflows/{name}/events"), f"reading {name}'s event classes")
        recording.event_schemas = {s["title"]: s for s in events.get("events", []) if "title" in s}

    def live(self, workflow: str, start: dict, answers: list[tuple[str, Any]]) -> Recording:
        """Run ``workflow`` and record it, answering its questions with ``answers`` in order."""
        started = time.monotonic()
        handler = self._json(
            self.http.post(f"/workflows/{workflow}/run-nowait", json={"start_event": start}), f"starting {workflow}"
        )
        recording = Recording(self.deployment, workflow, handler["handler_id"])
        self._schemas(recording)
        answers = list(answers)
        cursor = -1
        while True:  # a dropped connection resumes after the last event seen, as the clients do
            params = {"after_sequence": str(cursor), "include_internal": "false"}
            with self.http.stream("GET", f"/events/{recording.handler_id}", params=params) as response:
                if response.status_code == 204:
                    break
                if response.status_code != 200:
                    raise RecordError(f"streaming the run's events: the server answered {response.status_code}")
                try:
                    for sequence, envelope in _sse(response.iter_lines()):
                        cursor = sequence
                        seen = Seen(envelope, at=time.monotonic() - started)
                        recording.events.append(seen)
                        if INPUT_REQUIRED in (envelope.get("types") or []) or envelope["type"] == INPUT_REQUIRED:
                            self._answer(recording, seen, answers, started)
                    break
                except httpx.TransportError:
                    continue
        if answers:
            unused = ", ".join(t for t, _ in answers)
            raise RecordError(f"the run ended with {len(answers)} answer(s) unused ({unused}): give only those it asks")
        recording.handler = self._handler(recording.handler_id)
        return recording

    def _answer(self, recording: Recording, seen: Seen, answers: list, started: float) -> None:
        if not answers:
            self.http.post(f"/handlers/{recording.handler_id}/cancel")
            raise RecordError(
                f"the run asked with {seen.envelope['type']} {json.dumps(seen.envelope['value'])} and no --answer "
                "is left: add one, --answer TYPE=JSON (the run was cancelled)"
            )
        event_type, value = answers.pop(0)
        event = {"type": event_type, "value": value}
        response = self.http.post(f"/events/{recording.handler_id}", json={"event": event})
        if response.status_code != 200:
            self.http.post(f"/handlers/{recording.handler_id}/cancel")
            raise RecordError(
                f"the server refused the answer {event_type}={json.dumps(value)}: {response.status_code} "
                f"{response.text[:300]} (the run was cancelled)"
            )
        seen.answer, seen.answered_at = (event_type, value), time.monotonic() - started

    def ended(self, handler_id: str) -> Recording:
        """Record a run that has ended from its event log (no timings: the log keeps none)."""
        handler = self._handler(handler_id)
        if handler["status"] == "running":
            raise RecordError(f"handler {handler_id} is still running: record it when it has ended, or run it live")
        recording = Recording(self.deployment, handler["workflow_name"], handler_id, handler=handler)
        self._schemas(recording)
        params = {"after_sequence": "-1", "include_internal": "true", "sse": "false"}
        response = self.http.get(f"/events/{handler_id}", params=params)
        if response.status_code == 204:
            raise RecordError(f"handler {handler_id} has no events left to read")
        log = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        for envelope in log:
            if INTERNAL in (envelope.get("types") or []):
                # the step that takes the answer names its type: the answer of the last question
                name = (envelope.get("value") or {}).get("input_event_name")
                asked = recording.events[-1] if recording.events else None
                if (
                    asked is not None
                    and asked.answer is None
                    and INPUT_REQUIRED in (asked.envelope.get("types") or [])
                    and name
                    and not name.startswith("<")
                ):
                    asked.answer = (name, None)
                continue
            recording.events.append(Seen(envelope))
        return recording

    def _handler(self, handler_id: str) -> dict:
        # a failed or cancelled run's handler comes with a 500, as the real server answers it
        return self._json(self.http.get(f"/handlers/{handler_id}"), f"reading handler {handler_id}", ok=(200, 202, 500))


def _sse(lines: Any) -> Any:
    """``(sequence, envelope)`` of each frame of an SSE stream."""
    frame: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        if not line:
            if "data" in frame:
                yield int(frame.get("id", -1)), json.loads(frame["data"])
            frame = {}
            continue
        name, _, text = line.partition(":")
        frame[name] = text[1:] if text.startswith(" ") else text


def _terminal(envelope: dict) -> bool:
    return envelope["type"] in (STOP, FAILED, CANCELLED) or STOP in (envelope.get("types") or [])


def _wait(seconds: float, speed: float) -> float:
    return round(max(seconds, 0.0) / speed, 1)


def scenario_entry(recording: Recording, speed: float = 1.0) -> dict:
    """The workflow's entry in a scenario file."""
    status = recording.handler.get("status")
    if status == "cancelled":
        raise RecordError(f"handler {recording.handler_id} was cancelled: a scenario scripts runs that end themselves")
    steps: list[dict] = []
    previous = 0.0
    for seen in recording.events:
        envelope = seen.envelope
        wait = _wait(seen.at - previous, speed)
        previous = seen.answered_at if seen.answer else seen.at
        if _terminal(envelope):
            if status == "failed" or envelope["type"] == FAILED:
                step: dict[str, Any] = {"fail": recording.handler.get("error") or "workflow failed"}
            else:
                value = envelope.get("value") or {}
                step = {"stop": {"result": value.get("result")}}
            if wait:
                step["after"] = wait
            steps.append(step)
            break
        step = _event_step(recording, envelope)
        if seen.answer:
            answer_type = seen.answer[0]
            step["expect"] = answer_type
            schema = recording.event_schemas.get(answer_type)
            if schema and schema.get("properties"):
                step["expect_schema"] = {k: schema[k] for k in ("type", "properties", "required") if k in schema}
        if wait:
            step["after"] = wait
        steps.append(step)
    if not steps or not any(k in steps[-1] for k in ("stop", "fail")):
        raise RecordError(f"handler {recording.handler_id}'s events end without a StopEvent or a failure")
    entry: dict[str, Any] = {}
    if recording.start_schema:
        entry["start"] = {k: recording.start_schema[k] for k in SCHEMA_KEYS if k in recording.start_schema}
    entry["steps"] = steps
    return entry


def _event_step(recording: Recording, envelope: dict) -> dict:
    types = envelope.get("types") or []
    kind = "ask" if INPUT_REQUIRED in types or envelope["type"] == INPUT_REQUIRED else "emit"
    step: dict[str, Any] = {kind: envelope["type"], "data": envelope.get("value") or {}}
    if types and types != ([INPUT_REQUIRED] if kind == "ask" else []):
        step["types"] = types
    qualified_name = envelope.get("qualified_name")
    if qualified_name and qualified_name != f"{recording.deployment}.workflows.{envelope['type']}":
        step["qualified_name"] = qualified_name
    return step


def write(recording: Recording, entry: dict, output: Path | None) -> str:
    """The scenario file's text, with the entry added to ``output``'s deployment when it exists."""
    document: dict[str, Any] = {"deployment": recording.deployment, "workflows": {}}
    if output is not None and output.exists():
        document = yaml.safe_load(output.read_text()) or document
        if document.get("deployment") != recording.deployment:
            raise RecordError(
                f"{output} is the scenario of deployment {document.get('deployment')!r}, not {recording.deployment!r}: "
                "write this recording to another file (one deployment per file)"
            )
        document.setdefault("workflows", {})
    document["workflows"][recording.workflow] = entry
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    if output is not None:
        output.write_text(text)
    return text


def parse_answer(text: str) -> tuple[str, Any]:
    """``AnswerEvent={"response": "yes"}`` -> ``("AnswerEvent", {"response": "yes"})``."""
    event_type, sep, value = text.partition("=")
    if not sep or not event_type.strip():
        raise RecordError(f"--answer {text!r}: expected TYPE=JSON, such as AnswerEvent='{{\"response\": \"yes\"}}'")
    try:
        return event_type.strip(), json.loads(value)
    except ValueError as e:
        raise RecordError(f"--answer {text!r}: the value is not JSON ({e})") from None


def run(args: Any) -> int:
    """The command: record, write the file, say what was recorded."""
    import sys

    try:
        recorder = Recorder(args.base_url, token=args.token)
        try:
            if args.from_handler:
                recording = recorder.ended(args.from_handler)
            else:
                if not args.workflow:
                    raise RecordError("name the workflow to run (--workflow NAME) or an ended run (--from-handler ID)")
                try:
                    start = json.loads(args.start)
                except ValueError as e:
                    raise RecordError(f"--start {args.start!r} is not JSON ({e})") from None
                if not isinstance(start, dict):
                    raise RecordError("--start must be a JSON object: the start event's fields")
                answers = [parse_answer(a) for a in args.answer]
                recording = recorder.live(args.workflow, start, answers)
        finally:
            recorder.close()
        entry = scenario_entry(recording, args.speed)
        text = write(recording, entry, args.output)
    except RecordError as e:
        print(f"llamacloud-mock workflows record: {e}", file=sys.stderr)
        return 2
    except httpx.HTTPError as e:
        print(f"llamacloud-mock workflows record: cannot reach {args.base_url}: {e}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
    where = args.output or "stdout"
    print(
        f"recorded {recording.workflow} (handler {recording.handler_id}, {recording.handler.get('status')}, "
        f"{len(entry['steps'])} steps) into {where}",
        file=sys.stderr,
    )
    return 0
