"""The differential transcript of a workflow server: one fixed sequence of requests (list, runs, streams
with each cursor form, a human-in-the-loop answer, 409 and 204 after the end, cancel, purge, filters,
bad bodies, CORS) against a deployment's base URL, written down so that two servers can be compared.

``transcript(base_url)`` returns a list of records ``{"step", "request", "status", ...}``. Whatever
legitimately differs between two servers is normalised: handler ids become ``<handler:N>`` and run ids
``<run:N>`` (N in the order of first appearance), a timestamp's digits zeros (its format stays), a
duration ``<seconds>``, the real start event's class name the fake's; the SSE ids of most streams are
replaced by whether they increase (the live stream with internal events keeps them); a body that is
another library's wording (JSON schemas, graphs) is kept as its shape, an error's ``detail`` without
pydantic's link to its docs. Everything else (status codes, media types with their charset, values,
the order of a JSON body's keys, step names, event type sequences) is kept as it is.

``python tests/workflows/differential.py URL`` prints the transcript of a running server as JSON.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
ORIGIN = "http://localhost:3000"
STREAM_LIMIT = 60.0
DOCS_LINE = "For further information visit https://errors.pydantic.dev/"


class Normaliser:
    """Replaces what differs from run to run in one server's answers by stable placeholders: ids,
    instants, durations, the start event's class name (a Python class on the real server; a scenario
    names none)."""

    def __init__(self) -> None:
        self.handlers: dict[str, str] = {}
        self.runs: dict[str, str] = {}
        self.start_classes = {"StartEvent"}

    def handler(self, handler_id: str) -> str:
        return self.handlers.setdefault(handler_id, f"<handler:{len(self.handlers)}>")

    def run(self, run_id: str) -> str:
        return self.runs.setdefault(run_id, f"<run:{len(self.runs)}>")

    def text(self, text: str) -> str:
        for name in self.start_classes:
            text = re.sub(rf"\b{name}\b", "<start event>", text)
        text = re.sub(r"<class '[\w.]+\.<start event>'>", "<class '<start event>'>", text)  # and its module
        for handler_id, placeholder in self.handlers.items():
            text = text.replace(handler_id, placeholder)
        # the real server lists the accepted event types in a set's order, which changes from run to run
        head, found, names = text.partition("Expected one of ")
        return head + found + ", ".join(sorted(names.split(", "))) if found else text

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if key == "elapsed_seconds" and isinstance(value, int | float):
            return "<seconds>"
        if isinstance(value, str):
            if key == "handler_id":
                return self.handler(value)
            if key == "run_id":
                return self.run(value)
            if TIMESTAMP.match(value):
                return re.sub(r"\d", "0", value)
            return self.text(value)
        return value


def key_order(value: Any) -> list:
    """The keys of each object in a JSON value, in the order the server wrote them."""
    if isinstance(value, dict):
        return [list(value), *(key_order(v) for v in value.values() if isinstance(v, dict | list))]
    if isinstance(value, list):
        return [key_order(v) for v in value if isinstance(v, dict | list)]
    return []


def start_schema(body: dict) -> dict:
    """What a start schema says about the fields (not the library's titles and descriptions)."""
    start = body["start"]
    types = {name: field.get("type") for name, field in start.get("properties", {}).items()}
    return {"start": {"type": start.get("type"), "properties": types, "required": start.get("required")},
            "stop": {"type": body["stop"].get("type")}}


WIRE_EVENTS = {"AskEvent", "AnswerEvent", "ProgressEvent"}


def event_titles(body: dict) -> list[str]:
    """Which of the events a client sees on the wire /events lists (not the start and stop classes)."""
    return sorted(WIRE_EVENTS.intersection(schema.get("title") for schema in body["events"]))


def sse_frames(lines: Iterator[str], until: str | None = None) -> list[dict]:
    """The frames of an SSE response's lines (``{"id", "data"}``), up to its end or the first of type ``until``
    (or ``STREAM_LIMIT`` seconds: a server that never sends what is awaited must not hang the check)."""
    frames, frame = [], {}
    deadline = time.monotonic() + STREAM_LIMIT
    for line in lines:
        if time.monotonic() > deadline:
            frames.append({"data": {"type": f"(no end after {STREAM_LIMIT}s)", "types": None, "value": None}})
            break
        if line.startswith(":"):
            continue  # a heartbeat comment
        if not line:
            if frame:
                frame["data"] = json.loads(frame["data"])
                frames.append(frame)
                if until and frame["data"]["type"] == until:
                    break
            frame = {}
            continue
        name, _, text = line.partition(":")
        frame[name] = text[1:] if text.startswith(" ") else text
    return frames


class Recorder:
    def __init__(self, base_url: str):
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.norm = Normaliser()
        self.records: list[dict] = []

    def record(self, step: str, response: httpx.Response, body: str = "value", **extra: Any) -> Any:
        """Write down one answer; ``body`` says how: ``value`` (normalised), ``detail`` (``detail``
        without pydantic's line pointing at its docs, whose URL names pydantic's version), ``none``,
        or a function of the JSON body."""
        request = response.request
        path = request.url.path.split("/deployments/", 1)[1].split("/", 1)[1]
        query = request.url.query.decode()
        record = {
            "step": step,
            "request": f"{request.method} /{self._path(path)}" + (f"?{query}" if query else ""),
            "status": response.status_code,
            "content_type": response.headers.get("content-type"),
        }
        is_json = "json" in (record["content_type"] or "")
        data = response.json() if body != "none" and response.content and is_json else None
        if body in ("value", "detail") and data is not None:
            record["key_order"] = key_order(data)
        if body == "value":
            record["body"] = self.norm.value(data)
        elif body == "detail" and isinstance(data, dict) and isinstance(data.get("detail"), str):
            lines = [line for line in data["detail"].splitlines() if not line.strip().startswith(DOCS_LINE)]
            record["body"] = {"detail": self.norm.text("\n".join(lines))}
        elif body == "detail":
            record["body"] = self.norm.value(data)
        elif callable(body):
            record["body"] = body(data) if response.status_code == 200 else data
        record.update(extra)
        self.records.append(record)
        return data

    def _path(self, path: str) -> str:
        return "/".join(self.norm.handler(part) if part in self.norm.handlers else part for part in path.split("/"))

    def stream(self, step: str, handler_id: str, until: str | None = None, headers: dict | None = None,
               **params: str) -> list[dict]:
        """An SSE stream, read to its end (or to the first event of type ``until``); records its types."""
        with self.http.stream("GET", f"/events/{handler_id}", params=params, headers=headers) as response:
            frames = sse_frames(response.iter_lines(), until) if response.status_code == 200 else []
            self._record_events(step, response, frames)
        return frames

    def _record_events(self, step: str, response: httpx.Response, frames: list[dict]) -> None:
        ids = [int(frame["id"]) for frame in frames if "id" in frame]
        events = [self.norm.value([f["data"]["type"], f["data"]["types"], f["data"]["value"]]) for f in frames]
        self.record(step, response, body="none", events=events,
                    qualified_names=[f["data"]["qualified_name"] for f in frames],
                    ids_increasing=ids == sorted(set(ids)) and len(ids) == len(frames))

    def record_frames(self, step: str, response: httpx.Response, frames: list[dict]) -> None:
        """Records a stream's frames whole: their sequence numbers as they are, each event's data."""
        self.record(step, response, body="none", ids=[frame.get("id") for frame in frames],
                    frames=[self.norm.value(frame["data"]) for frame in frames],
                    key_order=[key_order(frame["data"]) for frame in frames])


def transcript(base_url: str) -> list[dict]:
    """Run the sequence against ``base_url`` (a deployment, e.g. http://127.0.0.1:PORT/deployments/wfdemo)."""
    r = Recorder(base_url)
    http = r.http

    r.record("list workflows", http.get("/workflows"))
    r.record("health", http.get("/health"))
    schema = http.get("/workflows/hitl/schema")
    r.norm.start_classes.add(schema.json()["start"].get("title", "StartEvent"))
    r.record("start schema", schema, body=start_schema)
    r.record("events schema", http.get("/workflows/hitl/events"), body=event_titles)
    r.record("unknown workflow schema", http.get("/workflows/nope/schema"))
    r.record("unknown workflow events", http.get("/workflows/nope/events"))
    r.record("unknown workflow representation", http.get("/workflows/nope/representation"))

    # synchronous runs
    echo = r.record("run echo", http.post("/workflows/echo/run", json={"start_event": {"text": "hi"}}))
    r.record("run echo, kwargs", http.post("/workflows/echo/run", json={"kwargs": {"text": "kw"}}))
    r.record("run echo, envelope", http.post("/workflows/echo/run", json={
        "start_event": {"type": "StartEvent", "value": {"_data": {"text": "env"}}, "qualified_name": None},
        "context": {}}))
    boom = r.record("run boom", http.post("/workflows/boom/run", json={}))
    r.stream("stream of the failed run", boom["handler_id"], after_sequence="-1")

    # bad run bodies
    bad_runs = [
        ("run, empty body", "echo", {"content": b"", "headers": {"content-type": "application/json"}}),
        ("run, body a list", "echo", {"json": [1, 2]}),
        ("run, start_event a string", "echo", {"json": {"start_event": "str"}}),
        ("run, envelope without type", "echo", {"json": {"start_event": {"value": 5, "text": "t"}}}),
        ("run, context", "echo", {"json": {"start_event": {"text": "t"}, "context": {"a": 1}}}),
        ("run, a false context", "echo", {"json": {"start_event": {"text": "t"}, "context": False}}),
        ("run, kwargs a list", "echo", {"json": {"kwargs": [1]}}),
        ("run, kwargs beside a start event", "echo", {"json": {"start_event": {"text": "t"}, "kwargs": [1]}}),
        ("run, kwargs an envelope", "echo", {"json": {"kwargs": {"type": "StartEvent", "value": {"text": "k"}}}}),
        ("run, a null start event and kwargs", "echo", {"json": {"start_event": None, "kwargs": {"text": "k"}}}),
        ("run, missing required start field", "hitl", {"json": {"start_event": {}}}),
        ("run, unknown workflow", "nope", {"json": {}}),
    ]
    for step, workflow, kwargs in bad_runs:
        r.record(step, http.post(f"/workflows/{workflow}/run", **kwargs), body="detail")
    for step, content in (("run-nowait, empty body", b""), ("run-nowait, body an empty list", b"[]"),
                          ("run-nowait, start_event a number", b'{"start_event": 5}'),
                          ("run-nowait, context without a start event", b'{"context": {"a": 1}}')):
        r.record(step, http.post("/workflows/echo/run-nowait", content=content,
                                 headers={"content-type": "application/json"}))

    # a human-in-the-loop run, step by step
    hitl = r.record("run-nowait hitl", http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "Ada"}}))
    h = hitl["handler_id"]
    asked = r.stream("stream until the question", h, until="AskEvent", after_sequence="-1")
    ask_seq = asked[-1]["id"]
    r.record("handler while waiting", http.get(f"/handlers/{h}"))
    r.record("run-nowait with the running handler's id",
             http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "Ada"}, "handler_id": h}))
    bad_events = [
        ("send, not JSON", {"content": b"notjson"}),
        ("send, no event", {"json": {}}),
        ("send, unknown type", {"json": {"event": {"type": "Nope", "value": {}}}}),
        ("send, a streamed-only type", {"json": {"event": {"type": "ProgressEvent", "value": {"msg": "x", "pct": 1}}}}),
        ("send, neither type nor qualified_name", {"json": {"event": {"value": {}}}}),
        ("send, a value that is no object", {"json": {"event": {"type": "AnswerEvent", "value": "text"}}}),
        ("send, an event that is no object", {"json": {"event": 5}}),
        ("send, a string that is no JSON", {"json": {"event": "{bad"}}),
        ("send, an empty event", {"json": {"event": {}}}),
        ("send, a false event", {"json": {"event": 0}}),
        ("send, no value", {"json": {"event": {"type": "AnswerEvent"}}}),
        ("send, a null value", {"json": {"event": {"type": "AnswerEvent", "value": None}}}),
        # the answer's fields, as the scenario's `expect_schema` declares them (the real class's pydantic model)
        ("send, a value missing a field", {"json": {"event": {"type": "AnswerEvent", "value": {}}}}),
        ("send, a field of the wrong type", {"json": {"event": {"type": "AnswerEvent", "value": {"response": 5}}}}),
    ]
    for step, kwargs in bad_events:
        r.record(step, http.post(f"/events/{h}", **kwargs), body="detail")
    r.record("stream, bad cursor", http.get(f"/events/{h}", params={"after_sequence": "abc"}))
    with http.stream("GET", f"/events/{h}", params={"after_sequence": "now"}) as live:
        # the cursor "now" is fixed once the headers are in: the answer's events come after it
        r.record("answer, as the UI sends it", http.post(f"/events/{h}", json={"event": {
            "type": "AnswerEvent", "qualified_name": "AnswerEvent", "types": ["HumanResponseEvent"],
            "value": {"response": "yes"}}}))
        r._record_events("stream from now, to the end", live, sse_frames(live.iter_lines()))
    r.record("handler completed", http.get(f"/handlers/{h}"))
    r.record("result (deprecated, flattened)", http.get(f"/results/{h}"))
    r.stream("replay", h, after_sequence="-1")
    r.stream("replay without qualified names", h, after_sequence="-1", include_qualified_name="false")
    r.stream("replay with internal events", h, after_sequence="-1", include_internal="true")
    r.stream("after the question", h, after_sequence=ask_seq)
    r.stream("Last-Event-ID overrides the query", h, headers={"Last-Event-ID": ask_seq}, after_sequence="-1")
    ndjson = http.get(f"/events/{h}", params={"sse": "false", "after_sequence": "-1"})
    r.record("replay as NDJSON", ndjson, body="none",
             events=[json.loads(line)["type"] for line in ndjson.text.splitlines() if line])
    after_end = http.get(f"/events/{h}")
    r.record("stream after the end (now)", after_end, body="none", text=after_end.text)
    r.record("stream after the end (past the last id)", http.get(f"/events/{h}", params={"after_sequence": "1000"}),
             body="none")
    r.record("answer after the end", http.post(f"/events/{h}", json={"event": {"type": "AnswerEvent",
                                                                           "value": {"response": "no"}}}))
    r.record("cancel after the end", http.post(f"/handlers/{h}/cancel"))

    # an answer in the older forms: a JSON string, legacy "data", a step
    old = r.record("run-nowait hitl again",
                   http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "Bo"}}))
    r.stream("stream until the question again", old["handler_id"], until="AskEvent", after_sequence="-1")
    r.record("answer as a JSON string with data and step", http.post(f"/events/{old['handler_id']}", json={
        "event": json.dumps({"type": "AnswerEvent", "data": {"response": "str"}}), "step": "step_2"}))
    r.stream("the older answer's run to the end", old["handler_id"], after_sequence=ask_seq)

    # a run watched live with its internal events (sequence numbers as they are), answered in the plain form
    watched = r.record("run-nowait hitl, watched live",
                       http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "Ada"}}))
    w = watched["handler_id"]
    with http.stream("GET", f"/events/{w}", params={"after_sequence": "-1", "include_internal": "true"}) as live:
        lines = live.iter_lines()
        frames = sse_frames(lines, until="WorkflowIdleEvent")
        r.record_frames("live stream with internal events, until idle", live, frames)
        r.record("handler while idle", http.get(f"/handlers/{w}"))
        for step, event in (("send to the idle run, unknown type", {"type": "Nope", "value": {}}),
                            ("send to the idle run, neither type nor qualified_name", {"value": {}}),
                            ("send to the idle run, a JSON string of an unknown type", '{"type": "Nope"}')):
            r.record(step, http.post(f"/events/{w}", json={"event": event}), body="detail")
        r.record("answer, plain", http.post(f"/events/{w}", json={"event": {"type": "AnswerEvent",
                                                                            "value": {"response": "yes"}}}))
        r.record_frames("live stream with internal events, to the end", live, sse_frames(lines))
    r.record("watched handler completed", http.get(f"/handlers/{w}"))
    r.record("watched run's result", http.get(f"/results/{w}"))
    after_end = http.get(f"/events/{w}")
    r.record("watched run's stream after the end", after_end, body="none", text=after_end.text)
    r.record("answer the watched run after the end", http.post(f"/events/{w}", json={
        "event": {"type": "AnswerEvent", "value": {"response": "no"}}}))

    # cancel a run at once, twice, then purge it
    at_once = r.record("run-nowait hitl to cancel at once",
                       http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "Bo"}}))
    a = at_once["handler_id"]
    r.record("cancel at once", http.post(f"/handlers/{a}/cancel"))
    r.record("handler cancelled at once", http.get(f"/handlers/{a}"))
    r.record("cancel a cancelled handler", http.post(f"/handlers/{a}/cancel"))
    r.record("purge a cancelled handler", http.post(f"/handlers/{a}/cancel", params={"purge": "true"}))
    r.record("purged cancelled handler", http.get(f"/handlers/{a}"))

    # cancel a waiting run
    cancelled = r.record("run-nowait hitl to cancel", http.post("/workflows/hitl/run-nowait",
                                                                json={"start_event": {"name": "Cy"}}))
    c = cancelled["handler_id"]
    r.stream("stream until the question, to cancel", c, until="AskEvent", after_sequence="-1")
    r.record("cancel", http.post(f"/handlers/{c}/cancel"))
    r.stream("the cancelled run's stream", c, after_sequence="-1")
    r.record("cancelled handler", http.get(f"/handlers/{c}"))
    r.record("answer a cancelled run", http.post(f"/events/{c}", json={"event": {"type": "AnswerEvent",
                                                                               "value": {"response": "no"}}}))

    # a client-chosen handler id, reused once the run has ended
    chosen = f"diff-{uuid.uuid4().hex[:10]}"
    r.record("run with a chosen handler id", http.post("/workflows/echo/run",
                                                       json={"start_event": {"text": "1"}, "handler_id": chosen}))
    rerun = {"start_event": {"name": "Di"}, "handler_id": chosen}
    r.record("run again with the ended handler's id", http.post("/workflows/hitl/run-nowait", json=rerun))
    r.stream("the reused handler until the question", chosen, until="AskEvent", after_sequence="-1")
    r.record("cancel the reused handler with purge", http.post(f"/handlers/{chosen}/cancel", params={"purge": "true"}))

    # filters, restricted to this transcript's handlers (the server may hold others)
    ours = {echo["handler_id"], boom["handler_id"], h, old["handler_id"], w, a, c}
    queries = ([], [("status", "completed")], [("status", "failed"), ("status", "cancelled")],
               [("workflow_name", "echo"), ("workflow_name", "boom")],
               [("status", "completed"), ("workflow_name", "hitl")],
               [("status", "bogus")], [("status", "")], [("workflow_name", "nope")])
    for query in queries:
        response = http.get("/handlers", params=query)
        listed = [x for x in response.json()["handlers"] if x["handler_id"] in ours]
        r.record("handlers " + (str(httpx.QueryParams(query)) or "(all)"), response, body="none",
                 handlers=sorted([r.norm.handler(x["handler_id"]), x["workflow_name"], x["status"]] for x in listed),
                 bodies=[r.norm.value(x) for x in listed], key_order=[key_order(x) for x in listed])

    # purge
    r.record("purge an ended handler", http.post(f"/handlers/{echo['handler_id']}/cancel", params={"purge": "true"}))
    r.record("purged handler", http.get(f"/handlers/{echo['handler_id']}"))
    r.record("purged handler's stream", http.get(f"/events/{echo['handler_id']}"))
    r.record("unknown handler", http.get("/handlers/nope"))
    r.record("unknown handler's stream", http.get("/events/nope"))
    r.record("send to an unknown handler, not JSON", http.post("/events/nope", content=b"notjson"), body="detail")
    r.record("send to an unknown handler, no event", http.post("/events/nope", json={}))
    r.record("answer an unknown handler", http.post("/events/nope", json={"event": {"type": "AnswerEvent",
                                                                                    "value": {"response": "x"}}}))
    r.record("cancel an unknown handler", http.post("/handlers/nope/cancel"))

    # CORS, as a browser app on another origin sees it
    cors = http.get("/workflows", headers={"Origin": ORIGIN})
    r.record("CORS on a GET", cors, body="none", allow_origin=cors.headers.get("access-control-allow-origin"),
             allow_credentials=cors.headers.get("access-control-allow-credentials"))
    preflight = http.options(f"/events/{h}", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type"})
    r.record("CORS preflight", preflight, body="none",
             allow_origin=preflight.headers.get("access-control-allow-origin"),
             allow_credentials=preflight.headers.get("access-control-allow-credentials"),
             allow_methods=preflight.headers.get("access-control-allow-methods"),
             allow_headers=preflight.headers.get("access-control-allow-headers"))
    http.close()
    return r.records


if __name__ == "__main__":
    json.dump(transcript(sys.argv[1]), sys.stdout, indent=1)
    print()
