"""Wire adapter of the LlamaDeploy workflow server (openapi/workflows.yaml): ``/deployments/{deployment_name}/...``.

Served by its own ASGI layer (``WorkflowServer``) instead of connexion: the real server reads its
bodies itself (its 400s say "Invalid JSON body: ..." where connexion would answer with its own
words), streams its events for as long as a run lasts, and answers CORS preflights; and a run of a
one-step workflow should cost a fraction of a millisecond. The routes still come from the spec:
each operationId of generated/workflows/operations.py is the method of the same name here, so a
spec without an implementation fails at start-up, and fault rules and the journal see these
requests like any other (the layer sits inside the harness and authentication layers).

Errors are the real server's: ``{"detail": "..."}`` with its status and words (the domain's
WorkflowError), never connexion's problem bodies; a request the routes do not match falls
through to the rest of the fake (a 404).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generated.workflows.operations import OPERATIONS
from mockserver import jsonio
from mockserver.domain.scenarios import STOP_EVENT_SCHEMA, Workflow, missing_field
from mockserver.domain.workflow_runs import COMPLETED, RUNNING, Handler, WorkflowError, WorkflowRuns, checked_event

if TYPE_CHECKING:
    from mockserver.state import FakeState

PREFIX = "/deployments/"
DEFAULT_HEARTBEAT = 25.0  # seconds between two ": heartbeat" comments on an idle SSE stream, as the real server
_JSON = (b"content-type", b"application/json")
_SSE = (b"content-type", b"text/event-stream; charset=utf-8")
_NDJSON = (b"content-type", b"application/x-ndjson")
_HEARTBEAT = b": heartbeat\n\n"
# the appserver's CORS preflight answer (FastAPI's CORSMiddleware, allow_origins=["*"] with credentials)
_PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-max-age", b"600"),
    (b"access-control-allow-headers", b"Accept, Accept-Language, Authorization, Content-Language, Content-Type"),
    (b"access-control-allow-credentials", b"true"),
]
_PARAMETER = re.compile(r"\{(\w+)\}")


class Request:
    """What a handler reads of a request: path parameters, the query (repeated keys kept), headers, body."""

    __slots__ = ("params", "query", "headers", "receive", "_body")

    def __init__(self, scope: Scope, receive: Receive, params: dict[str, str]):
        self.params = params
        self.query: list[tuple[str, str]] = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        self.headers = scope["headers"]
        self.receive = receive
        self._body: bytes | None = None

    def arg(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def args(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def flag(self, name: str, default: bool) -> bool:
        """The real server's reading of a boolean flag: only `true` (any case) is true."""
        value = self.arg(name)
        return default if value is None else value.lower() == "true"

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("latin-1")
        return None

    async def body(self) -> bytes:
        if self._body is None:
            chunks = []
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body


class Answer:
    """A complete JSON answer: status, and the body already encoded."""

    __slots__ = ("status", "body")

    def __init__(self, body: Any, status: int = 200):
        self.status = status
        self.body = body if isinstance(body, bytes) else jsonio.dumps(body)


class Stream:
    """An event stream to send (GET /events/{handler_id})."""

    __slots__ = ("handler", "cursor", "sse", "include_internal", "qualified_names")

    def __init__(self, handler: Handler, cursor: int, sse: bool, include_internal: bool, qualified_names: bool):
        self.handler = handler
        self.cursor = cursor
        self.sse = sse
        self.include_internal = include_internal
        self.qualified_names = qualified_names


def _handler_answer(handler: Handler, body: bytes | None = None) -> Answer:
    status = 202 if handler.status == RUNNING else 200 if handler.status == COMPLETED else 500
    return Answer(body if body is not None else handler.json(), status)


def _flattened(handler: Handler) -> bytes:
    record = handler.record()
    result = record["result"]
    if result is not None:
        value = result["value"]
        record["result"] = value.get("result") if result["qualified_name"] == "workflows.events.StopEvent" else value
    return jsonio.dumps(record)


class WorkflowsApi:
    """The operations of openapi/workflows.yaml, by operationId."""

    def __init__(self, runs: WorkflowRuns):
        self.runs = runs

    # ------------------------------------------------------------------ workflows
    async def list_workflows(self, request: Request) -> Answer:
        deployment = self.runs.deployment(request.params["deployment_name"])
        return Answer({"workflows": list(deployment.workflows)})

    def _workflow(self, request: Request) -> Workflow:
        return self.runs.workflow(request.params["deployment_name"], request.params["name"])

    async def get_workflow_schema(self, request: Request) -> Answer:
        return Answer({"start": self._workflow(request).start_schema, "stop": STOP_EVENT_SCHEMA})

    async def get_workflow_events(self, request: Request) -> Answer:
        deployment = self.runs.deployment(request.params["deployment_name"])
        workflow = deployment.workflows.get(request.params["name"])
        if workflow is None:
            raise WorkflowError(404, f"Workflow '{request.params['name']}' not found")
        return Answer({"events": [event.schema for event in workflow.registry.values()]})

    async def get_workflow_representation(self, request: Request) -> Answer:
        return Answer({"graph": representation(self._workflow(request))})

    async def run_workflow(self, request: Request) -> Answer:
        handler = await self._start(request)
        if not handler.done:  # wait for the end, or for the client to leave (a run may wait for ever)
            ended = asyncio.ensure_future(self.runs.wait(handler))
            disconnected = asyncio.ensure_future(_disconnect(request.receive))
            await asyncio.wait((ended, disconnected), return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            disconnected.cancel()
        return Answer(handler.json(), 200 if handler.status == COMPLETED else 500)

    async def run_workflow_nowait(self, request: Request) -> Answer:
        return Answer((await self._start(request)).json())

    async def _start(self, request: Request) -> Handler:
        deployment, name = request.params["deployment_name"], request.params["name"]
        workflow = self.runs.workflow(deployment, name)
        body = _json_object(await request.body(), "Invalid JSON body", "Error processing request body")
        if body.get("context"):
            raise WorkflowError(
                400, "Context API is disabled. Set accept_context_api=True on WorkflowServer to enable it."
            )
        handler_id = body.get("handler_id")
        if handler_id is not None and not isinstance(handler_id, str):
            raise WorkflowError(400, f"Invalid handler_id: expected a string, got {_python_type(handler_id)}")
        # as the real server reads it: `kwargs` stands for an absent start_event, in any form a start event takes
        start = start_fields(body.get("start_event", body.get("kwargs", {})), workflow)
        return self.runs.start(deployment, name, start, handler_id or None)

    # ------------------------------------------------------------------ handlers
    async def list_handlers(self, request: Request) -> Answer:
        handlers = self.runs.list(
            request.params["deployment_name"], request.args("status"), request.args("workflow_name")
        )
        parts = [h.json() for h in handlers]  # an ended handler's JSON is kept: only the join is left
        if not parts:
            return Answer(b'{"handlers":[]}')
        # one join, the brackets on its ends: a 4 MB bytes + bytes more took 10 times the join itself
        parts[0] = b'{"handlers":[' + parts[0]
        parts[-1] = parts[-1] + b"]}"
        return Answer(b",".join(parts))

    def _handler(self, request: Request) -> Handler:
        return self.runs.handler(request.params["deployment_name"], request.params["handler_id"])

    async def get_handler(self, request: Request) -> Answer:
        return _handler_answer(self._handler(request))

    async def get_result(self, request: Request) -> Answer:
        handler = self._handler(request)
        return _handler_answer(handler, _flattened(handler))

    async def cancel_handler(self, request: Request) -> Answer:
        handler = self._handler(request)
        return Answer({"status": self.runs.cancel(handler, request.flag("purge", False))})

    # ------------------------------------------------------------------ events
    async def stream_events(self, request: Request) -> Answer | Stream:
        handler = self._handler(request)
        sse = request.flag("sse", True)
        after = request.arg("after_sequence")
        cursor = handler.last_sequence  # "now", the default
        if after is not None and after != "now":
            try:
                cursor = int(after)
            except ValueError:
                raise WorkflowError(400, f"Invalid after_sequence: '{after}'") from None
        last_event_id = request.header(b"last-event-id") if sse else None
        if last_event_id is not None:
            try:
                cursor = int(last_event_id)
            except ValueError:
                pass  # not a sequence number: the query's cursor stands
        include_internal = request.flag("include_internal", False)
        if handler.done and not any(include_internal or not e.internal for e in handler.log[max(cursor + 1, 0) :]):
            return Answer(b"", 204)
        return Stream(handler, cursor, sse, include_internal, request.flag("include_qualified_name", True))

    async def send_event(self, request: Request) -> Answer:
        body = _json_object(await request.body(), "Error processing request", "Error processing request")
        event = body.get("event")
        if not event:  # the real server's test: {}, [], 0 and "" are no event either
            raise WorkflowError(400, "Event data is required")
        handler = self._handler(request)  # after the body's checks, as the real server looks it up
        if handler.done:
            raise WorkflowError(409, "Workflow already completed")
        event_type, value = posted_event(event, handler.workflow)
        self.runs.send(handler, event_type, value)
        return Answer({"status": "sent"})

    # ------------------------------------------------------------------ health
    async def get_workflow_server_health(self, request: Request) -> Answer:
        self.runs.deployment(request.params["deployment_name"])
        return Answer({"status": "healthy"})

    async def get_appserver_health(self, request: Request) -> Answer:
        return Answer({"status": "Healthy"})

    get_appserver_healthz = get_appserver_livez = get_appserver_readyz = get_appserver_health


def _json_object(raw: bytes, invalid: str, not_object: str) -> dict:
    """A request body that must be a JSON object; else a 400 in the real server's words (which
    differ by route: it reads the body, then calls ``.get`` on it)."""
    try:
        body = jsonio.loads(raw)
    except ValueError as e:
        raise WorkflowError(400, f"{invalid}: {e}") from None
    if not isinstance(body, dict):
        raise WorkflowError(400, f"{not_object}: '{_python_type(body)}' object has no attribute 'get'")
    return body


def _python_type(value: Any) -> str:
    return {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), "NoneType"
    )


def _fields(value: Any) -> Any:
    """An event value's fields: a DictLikeModel's ad-hoc fields come as ``{"_data": {...}}``."""
    if isinstance(value, dict) and isinstance(value.get("_data"), dict):
        return {**{k: v for k, v in value.items() if k != "_data"}, **value["_data"]}
    return value


def start_fields(start_event: Any, workflow: Workflow) -> dict:
    """The start event's fields from a run body's start_event, in every form the real server accepts."""
    bad = (
        "Validation error for 'start_event': Failed to deserialize event. "
        "Must be a json object, or stringified json object"
    )
    if start_event is None:
        return {}
    if isinstance(start_event, str):
        try:
            start_event = jsonio.loads(start_event)
        except ValueError:
            raise WorkflowError(400, bad) from None
    if not isinstance(start_event, dict):
        raise WorkflowError(400, bad)
    is_envelope = "value" in start_event or ("type" in start_event and "qualified_name" in start_event)
    if not is_envelope:
        return _fields(start_event)
    event_type = start_event.get("type")
    if not event_type and not start_event.get("qualified_name"):
        raise WorkflowError(
            400,
            "Validation error for 'start_event': "
            "Invalid client data. Must have a type or a qualified name, got {event}",  # sic: the real server's words
        )
    if event_type and event_type not in workflow.registry:
        raise WorkflowError(
            400,
            f"Validation error for 'start_event': Invalid event type: {event_type}. "
            f"Expected one of {', '.join(workflow.registry)}",
        )
    value = _fields(start_event.get("value", start_event.get("data", {})))
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WorkflowError(400, bad)
    return value


def posted_event(event: Any, workflow: Workflow) -> tuple[str, Any]:
    """(type, value) of a POST /events body's ``event``, in every envelope form the real server accepts."""
    if isinstance(event, str):
        with contextlib.suppress(ValueError):  # a string that is no JSON stays a string, refused below
            event = jsonio.loads(event)
    if not isinstance(event, dict):
        raise WorkflowError(400, "Failed to deserialize event. Must be a json object, or stringified json object")
    if "value" not in event and "data" not in event:  # the real envelope's `value` has no default
        raise WorkflowError(400, "Failed to deserialize event: " + missing_field("EventEnvelope", "value", event))
    event_type = event.get("type")
    qualified_name = event.get("qualified_name")
    if not event_type and not qualified_name:
        raise WorkflowError(400, "Invalid client data. Must have a type or a qualified name, got {event}")
    if not event_type:  # deprecated: a qualified name alone, which must be a registered class's
        matches = [c.name for c in workflow.registry.values() if c.qualified_name == qualified_name]
        event_type = matches[0] if matches else str(qualified_name).rsplit(".", 1)[-1]
    value = _fields(event["value"] if "value" in event else event.get("data"))
    return checked_event(workflow, event_type, value), value


def representation(workflow: Workflow) -> dict[str, Any]:
    """The workflow as the real server draws it: step nodes, event nodes, the external step that
    answers asks, and the edges between them."""
    nodes: list[dict] = []
    edges: list[dict] = []
    seen: set[str] = set()

    def event_node(name: str, produced_by: list[str]) -> None:
        if name in seen:
            return
        seen.add(name)
        event = workflow.registry.get(name)
        types = list(event.types) if event is not None and event.types else []
        nodes.append(
            {
                "id": name,
                "label": name,
                "node_type": "event",
                "event_type": name,
                "event_types": [name, *types],
                "event_schema": event.schema if event is not None else {"title": name, "type": "object"},
                "produced_by": produced_by,
            }
        )

    input_event = workflow.start_schema["title"]
    external = False
    for step in workflow.steps:
        if step.step_name not in seen:
            seen.add(step.step_name)
            nodes.append({"id": step.step_name, "label": step.step_name, "node_type": "step", "description": None})
            event_node(input_event, [])  # the start event, or an answer: produced by no step
            edges.append({"source": input_event, "target": step.step_name, "label": None})
        if step.kind == "ask":
            event_node(step.event, [step.step_name])
            edges.append({"source": step.step_name, "target": step.event, "label": None})
            edges.append({"source": step.event, "target": "external_step", "label": None})
            edges.append({"source": "external_step", "target": step.expect, "label": None})
            external = True
            input_event = step.expect
        elif step.kind == "stop":
            event_node("StopEvent", [step.step_name])
            edges.append({"source": step.step_name, "target": "StopEvent", "label": None})
    if external:
        nodes.append({"id": "external_step", "label": "external_step", "node_type": "external"})
    return {"name": workflow.name, "nodes": nodes, "edges": edges, "description": workflow.description}


# ---------------------------------------------------------------------------------------- ASGI
Route = tuple[re.Pattern, Callable[[Request], Awaitable[Any]]]


class WorkflowServer:
    """The ASGI layer serving openapi/workflows.yaml (see the module's docstring)."""

    def __init__(self, app: ASGIApp, runs: WorkflowRuns, heartbeat: float = DEFAULT_HEARTBEAT):
        self.app = app
        self.runs = runs
        self.heartbeat = heartbeat
        self.api = api = WorkflowsApi(runs)
        self.routes: dict[str, list[Route]] = {}
        self.paths: set[str] = set()  # the paths without parameters (the appserver's health routes)
        for operation_id, operation in OPERATIONS.items():
            handler = getattr(api, operation_id, None)
            if handler is None:
                raise RuntimeError(f"openapi/workflows.yaml has {operation_id}, which WorkflowsApi does not implement")
            regex, _, _ = compile_path(operation.path)
            self.routes.setdefault(operation.method, []).append((regex, handler))
            if not _PARAMETER.search(operation.path):
                self.paths.add(operation.path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and self.runs.deployments:
            self.runs.start_timer()  # runs read back from --db may have steps due
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith(PREFIX) or path in self.paths):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        origin = _header(scope, b"origin")
        if method == "OPTIONS" and origin is not None and _header(scope, b"access-control-request-method"):
            cors = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
            await _send(send, 200, b"OK", [(b"content-type", b"text/plain; charset=utf-8"), *_PREFLIGHT_HEADERS, *cors])
            return
        match, handler = _route(self.routes.get(method, ()), path)
        if handler is None:
            allowed = [m for m, routes in self.routes.items() if _route(routes, path)[1] is not None]
            if allowed:  # a route of the spec, another method: as Starlette answers it
                allow = [(b"allow", ", ".join(sorted(allowed)).encode())]
                body = b'{"detail":"Method Not Allowed"}'
                await _send(send, 405, body, [_JSON, *allow, *_cors(origin)])
            else:
                await self.app(scope, receive, send)
            return
        cors = _cors(origin)
        try:
            answer = await handler(Request(scope, receive, match.groupdict()))
        except WorkflowError as e:
            answer = Answer({"detail": e.detail}, e.status)
        if isinstance(answer, Stream):
            await self._stream(answer, receive, send, cors)
        elif answer.status == 204:
            await _send(send, 204, b"", cors)
        else:
            await _send(send, answer.status, answer.body, [_JSON, *cors])

    async def _stream(self, stream: Stream, receive: Receive, send: Send, cors: list) -> None:
        """Send the handler's events after the cursor as they come, until its terminal event has
        gone out or the client leaves; a heartbeat comment every ``heartbeat`` idle seconds (SSE)."""
        handler, runs = stream.handler, self.runs
        headers = [_SSE if stream.sse else _NDJSON, *cors]  # as the real server: no cache-control
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        disconnected = asyncio.ensure_future(_disconnect(receive))
        position = max(stream.cursor + 1, 0)  # sequence numbers are positions in the log
        try:
            while True:
                log = handler.log
                if position < len(log):
                    chunk = b"".join(
                        _frame(e, stream) for e in log[position:] if stream.include_internal or not e.internal
                    )
                    position = len(log)
                    if chunk:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    continue
                if handler.done:
                    break
                changed = asyncio.ensure_future(runs.changed(handler).wait())
                done, _ = await asyncio.wait(
                    (changed, disconnected),
                    timeout=self.heartbeat if stream.sse else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if disconnected in done:
                    changed.cancel()
                    return
                if not done:
                    changed.cancel()
                    await send({"type": "http.response.body", "body": _HEARTBEAT, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            disconnected.cancel()


def _route(routes: list[Route], path: str) -> tuple[re.Match | None, Callable | None]:
    for regex, handler in routes:
        match = regex.match(path)
        if match:
            return match, handler
    return None, None


def _frame(event, stream: Stream) -> bytes:
    data = event.json
    if not stream.qualified_names:
        envelope = orjson.loads(data)
        envelope["qualified_name"] = None
        data = orjson.dumps(envelope)
    if stream.sse:
        return b"id: %d\ndata: %s\n\n" % (event.sequence, data)
    return data + b"\n"


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _cors(origin: str | None) -> list[tuple[bytes, bytes]]:
    """The appserver's CORS answer to a request with an Origin: that origin, with credentials
    (the UI's EventSource uses withCredentials, which refuses a ``*``)."""
    if origin is None:
        return []
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if status != 204:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    message: Message = {"type": "http.response.body", "body": body}
    await send(message)


def layer(app: ASGIApp, state: FakeState) -> WorkflowServer:
    """The layer serving this API over the fake's state (its row in mockserver/registry.py names it)."""
    return WorkflowServer(app, state.workflows, state.config.sse_heartbeat)


def banner(state: FakeState, url: str) -> list[str]:
    """The start-up banner's lines: each deployment served, or how to serve one."""
    if not state.workflows.deployments:
        return ["  workflows: none (pass --workflows FILE to serve a scenario file's deployment)"]
    return [
        f"  workflows: {', '.join(deployment.workflows)} at {url}/deployments/{deployment.name}/ ({deployment.source})"
        for deployment in state.workflows.deployments.values()
    ]
