"""One contract run: the Schemathesis engine over a target's spec, and what it found.

``run(target, base_url=... | app=..., token=..., options=RunOptions(...))`` loads the spec,
configures Schemathesis (seed, examples budget, phases, every check), registers schema-scoped
hooks (documented exclusions, the read-only guard, the request budget, the record of created
resources) and consumes the engine's events (``schemathesis.engine.from_schema(schema).execute()``)
into a ``RunResult``: per-operation statistics and the unique failures, each with its operation
and the JSON path it concerns. After a live run, what the run created is deleted (``cleanup``).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import Phase
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from contracts.targets import CleanupRule, Target

PHASES = ("examples", "coverage", "fuzzing", "stateful")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ALL_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
)


class BudgetExhausted(RuntimeError):
    """The run has sent as many requests as ``--max-requests`` allows."""


class ReadOnlyViolation(RuntimeError):
    """A request with an unsafe method was about to be sent in a read-only run."""


@dataclass(frozen=True)
class RunOptions:
    seed: int = 42
    max_examples: int = 20
    phases: tuple[str, ...] = PHASES
    checks: tuple[str, ...] = ALL_CHECKS
    rate_limit: str | None = None  # "10/s", "300/m"
    read_only: bool = False
    max_requests: int | None = None
    cleanup: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    request_timeout: float = 30.0
    max_steps: int | None = None  # stateful scenario length
    # seconds an event stream (SSE or NDJSON) is read before the harness closes it and checks what came: a
    # stream of a run still going stays open until the run ends (an hour, or never, on a live server)
    stream_seconds: float = 2.0
    # test the fake's own operations too (paths outside /api/, such as the signed file URLs)
    fake_only: bool = True
    operation_ids: tuple[str, ...] = ()  # only these operations (default: all)


@dataclass
class FailureRecord:
    operation: str
    check: str
    code: str
    title: str
    json_path: str
    message: str
    status: int | None
    curl: str
    phase: str
    response: str = ""  # the first response that showed it: status line and body excerpt
    count: int = 1
    request: dict | None = None  # the first request that showed it: method, uri, headers, body (to replay it)

    @property
    def key(self) -> tuple:
        return (
            self.operation,
            self.code,
            self.json_path,
            self.title,
            self.message.splitlines()[0] if self.message else "",
        )


@dataclass
class OperationStats:
    label: str
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failing_requests: int = 0
    seconds: float = 0.0  # time in this operation's scenarios (stateful scenarios span several: not counted)

    def count(self, low: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < low + 100)


@dataclass
class CleanupReport:
    deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # created by operations without a cleanup rule


@dataclass
class RunResult:
    target: Target
    base_url: str
    options: RunOptions
    operations: dict[str, OperationStats]
    failures: dict[tuple, FailureRecord] = field(default_factory=dict)
    excluded: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    requests: int = 0
    stopped_by_budget: bool = False
    methods: Counter = field(default_factory=Counter)  # requests sent, by method
    dropped_headers: int = 0  # header values HTTP cannot carry, left out (see _Hooks._drop_unsendable_headers)
    streams_cut: int = 0  # NDJSON streams still open after --stream-seconds (SSE ones Schemathesis cuts itself)
    cleanup: CleanupReport = field(default_factory=CleanupReport)
    error_details: list[str] = field(default_factory=list)  # tracebacks, for debugging the harness
    phase_started: dict[str, float] = field(default_factory=dict)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    links_total: int = 0  # OpenAPI links (declared and inferred) the stateful phase could follow
    links_covered: set[str] = field(default_factory=set)  # those it followed

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    @property
    def unique_failures(self) -> list[FailureRecord]:
        return sorted(self.failures.values(), key=lambda f: (f.operation, f.code, f.json_path))


# ----------------------------------------------------------------------------- JSON paths
def json_path(parts: list | tuple) -> str:
    """``["items", 0, "status"]`` -> ``$.items[0].status``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


# a header value HTTP can carry (RFC 9110 field-value: visible latin-1, inner spaces and tabs)
HEADER_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?")

# failures about the answer's envelope rather than a value of its body
NON_BODY_PATHS = {
    "UndefinedStatusCode": "(status)",
    "UndefinedContentType": "(Content-Type)",
    "MissingContentType": "(Content-Type)",
    "MalformedMediaType": "(Content-Type)",
    "MissingHeaders": "(headers)",
    "AllowHeaderMismatch": "(Allow)",
}
REQUIRED = re.compile(r"""^["'](?P<name>.+?)["'] is a required property""")
UNEXPECTED = re.compile(r"""\((?P<names>["'].+["']) (?:was|were) unexpected\)""")


def failure_path(failure: Any) -> str:
    """The JSON path a failure concerns: the offending value of a schema violation (for a
    missing required field, where the field should be), else ``-`` (status line, headers)."""
    instance_path = getattr(failure, "instance_path", None)
    if instance_path is None:
        return NON_BODY_PATHS.get(type(failure).__name__, "-")
    parts = list(instance_path)
    raw = getattr(failure, "_raw_message", "") or ""
    schema_path = list(getattr(failure, "schema_path", []) or [])
    if schema_path and schema_path[-1] == "required":
        match = REQUIRED.match(raw)
        if match:
            parts.append(match.group("name"))
    elif schema_path and schema_path[-1] == "additionalProperties":
        match = UNEXPECTED.search(raw)
        if match:
            parts.append(match.group("names").split(",")[0].strip().strip("'\""))
    return json_path(parts)


def _body(response: Any) -> Any:
    try:
        return json.loads(response.content) if response is not None and response.content else None
    except (ValueError, UnicodeDecodeError):
        return None


# ----------------------------------------------------------------------------- configuration
STREAM_MEDIA_TYPES = ("text/event-stream", "application/x-ndjson")


def stream_operations(spec: dict[str, Any]) -> list[str]:
    """The labels (``GET /path``) of the operations that answer an event stream."""
    labels = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            media = {m for r in operation["responses"].values() for m in (r.get("content") or {})}
            if media.intersection(STREAM_MEDIA_TYPES):
                labels.append(f"{method.upper()} {path}")
    return labels


def build_config(
    base_url: str, token: str | None, options: RunOptions, streams: list[str] | tuple[str, ...] = ()
) -> SchemathesisConfig:
    headers = dict(options.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    checks: dict[str, Any] = {name: {"enabled": name in options.checks} for name in ALL_CHECKS}
    checks["object_level_authorization"] = {"enabled": False}  # needs two identities
    coverage: dict[str, Any] = {"enabled": "coverage" in options.phases}
    if options.read_only:
        coverage["unexpected-methods"] = []  # no probing with undeclared (unsafe) methods
    stateful: dict[str, Any] = {"enabled": "stateful" in options.phases}
    if options.max_steps:
        stateful["max-steps"] = options.max_steps
    data: dict[str, Any] = {
        "seed": options.seed,
        "base-url": base_url,
        "headers": headers,
        "request-timeout": options.request_timeout,
        "generation": {"max-examples": options.max_examples, "database": "none"},
        "checks": checks,
        "phases": {
            "examples": {"enabled": "examples" in options.phases},
            "coverage": coverage,
            "fuzzing": {"enabled": "fuzzing" in options.phases},
            "stateful": stateful,
        },
        "warnings": False,
    }
    if options.rate_limit:
        data["rate-limit"] = options.rate_limit
    if streams:  # Schemathesis reads an SSE answer for the request timeout at most, then checks what came
        data["operations"] = [{"include-name": label, "request-timeout": options.stream_seconds} for label in streams]
    return SchemathesisConfig.from_dict(data)


# ----------------------------------------------------------------------------- the run
class _Hooks:
    """The run's schema-scoped hooks and the counters they keep."""

    def __init__(self, target: Target, options: RunOptions):
        self.target = target
        self.options = options
        self.lock = threading.Lock()
        self.sent = 0
        self.stream: Any = None
        self.excluded: Counter = Counter()
        self.rules = {rule.operation_id: rule for rule in target.cleanup_rules()}
        self.created: list[tuple[CleanupRule, str]] = []
        self.created_without_rule: Counter = Counter()
        self.budget_hit = False
        self.dropped_headers = 0
        self.methods: Counter = Counter()

    @contextlib.contextmanager
    def registered(self, schema: Any):
        """``filter_failure`` on the schema; ``before_call``/``after_call`` exist only globally in
        Schemathesis, so they are registered for the run's duration and ignore other schemas."""
        self.schema = schema
        schema.hooks.register_hook_with_name(self.filter_failure, "filter_failure")
        for aid in self.target.aids:
            schema.hooks.register_hook_with_name(aid, "map_case")
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(self.before_call, "before_call")
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(self.after_call, "after_call")
        try:
            yield
        finally:
            GLOBAL_HOOK_DISPATCHER.unregister(self.before_call)
            GLOBAL_HOOK_DISPATCHER.unregister(self.after_call)

    def _ours(self, case: Any) -> bool:
        return case.operation.schema is self.schema

    def filter_failure(self, context: Any, failure: Any, case: Any, response: Any) -> bool:
        check = _check_name(failure)
        body, status = _body(response), getattr(response, "status_code", 0)
        for exclusion in self.target.exclusions:
            if exclusion.matches(check, case.operation.label, body, status, case):
                with self.lock:
                    self.excluded[exclusion.id] += 1
                return False
        return True

    def before_call(self, context: Any, case: Any, kwargs: Any) -> None:
        if not self._ours(case):
            return
        self._drop_unsendable_headers(case)
        if self.options.read_only and case.method.upper() not in SAFE_METHODS:
            raise ReadOnlyViolation(f"read-only run: refusing to send {case.method.upper()} {case.path}")
        with self.lock:
            if self.options.max_requests is not None and self.sent >= self.options.max_requests:
                self.budget_hit = True
                if self.stream is not None:
                    self.stream.stop()
                raise BudgetExhausted(f"the request budget ({self.options.max_requests}) is spent")
            self.sent += 1
            self.methods[case.method.upper()] += 1

    def _drop_unsendable_headers(self, case: Any) -> None:
        """HTTP cannot carry a header value outside latin-1 or with control characters, yet
        Schemathesis 4.32.5 sometimes fills one with a value harvested from a JSON answer (its pool
        of response values bypasses what it knows of headers): the client then refuses to send it,
        or the server's HTTP layer answers 400 before the API sees it. Such a header is left out
        (Schemathesis revalidates the case), and counted."""
        for name, value in list((case.headers or {}).items()):
            if isinstance(value, str) and not HEADER_VALUE.fullmatch(value):
                del case.headers[name]
                with self.lock:
                    self.dropped_headers += 1

    def after_call(self, context: Any, case: Any, response: Any) -> None:
        if not self._ours(case) or not 200 <= response.status_code < 300 or case.method.upper() not in ("POST", "PUT"):
            return
        rule = self.rules.get(case.operation.schema.get_operation_id(case.operation))
        body = _body(response)
        with self.lock:
            if rule is not None and isinstance(body, dict) and isinstance(body.get(rule.id_field), str):
                self.created.append((rule, body[rule.id_field]))
            elif rule is None and case.method.upper() == "POST" and _has_ids(body):
                self.created_without_rule[case.operation.label] += 1


def _has_ids(body: Any) -> bool:
    """Whether an answer looks like what a POST created: an object with an id, or a list of them."""
    items = body if isinstance(body, list) else [body]
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


@contextlib.contextmanager
def _without_hypothesis_targeting():
    """Run without Hypothesis' ``target`` phase, restoring the loaded profile afterwards.

    Schemathesis 4.32.5 always asks Hypothesis to maximise each operation's success rate; where
    success is rare by design (a signed URL with a generated token), the hill climbing took 140 s
    of a 175 s run for 24 requests. Generation, explicit examples and shrinking are unchanged.
    """
    previous = hypothesis.settings._current_profile
    phases = tuple(p for p in hypothesis.settings.default.phases if p not in (Phase.target, Phase.explain))
    hypothesis.settings.register_profile(
        "llamacloud-mock-contract", hypothesis.settings(hypothesis.settings.default, phases=phases)
    )
    hypothesis.settings.load_profile("llamacloud-mock-contract")
    try:
        yield
    finally:
        hypothesis.settings.load_profile(previous or "default")


def _check_name(failure: Any) -> str:
    checks = getattr(type(failure), "checks", ()) or ()
    return checks[0] if checks else type(failure).__name__


def run(
    target: Target,
    *,
    base_url: str | None = None,
    app: Any = None,
    token: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Run Schemathesis over ``target``'s spec against ``base_url`` (the API's root, e.g.
    ``https://api.cloud.llamaindex.ai``: the spec's own base path is appended) or ``app`` (an
    ASGI app, in process)."""
    options = options or RunOptions()
    if (base_url is None) == (app is None):
        raise ValueError("give exactly one of base_url and app")
    # in process, requests go to the app under Schemathesis' ASGI transport's host name
    url = (base_url.rstrip("/") if base_url is not None else "http://testserver") + target.base_path
    spec = target.load()
    schema = schemathesis.openapi.from_dict(spec, config=build_config(url, token, options, stream_operations(spec)))
    if app is not None:
        schema.app = app
    if options.read_only:
        schema = schema.include(method=[m for m in SAFE_METHODS])
    if options.operation_ids:
        schema = schema.include(operation_id=list(options.operation_ids))
    fake_only = fake_only_paths(spec, target.base_path, target.api_prefix)
    if fake_only and not options.fake_only:
        schema = schema.exclude(path=fake_only)
    hooks = _Hooks(target, options)

    result = RunResult(
        target=target, base_url=url if base_url is not None else "the fake, in process", options=options, operations={}
    )
    skipped = () if options.fake_only else fake_only
    for operation in _operations(spec, options.read_only, skipped, options.operation_ids):
        result.operations[operation] = OperationStats(operation)

    started = time.monotonic()
    with hooks.registered(schema), _without_hypothesis_targeting():
        stream = from_schema(schema).execute()
        hooks.stream = stream
        for event in stream:
            _consume(result, event)
    result.duration = time.monotonic() - started
    result.requests = hooks.sent
    result.excluded = hooks.excluded
    result.stopped_by_budget = hooks.budget_hit
    result.dropped_headers = hooks.dropped_headers
    result.methods = hooks.methods
    result.errors = [e for e in result.errors if "BudgetExhausted" not in e or not hooks.budget_hit]
    if options.cleanup and base_url is not None and not options.read_only:
        result.cleanup = cleanup(url, token, options, hooks.created)
        result.cleanup.left = [
            f"{n} answer(s) of {label}, which has no delete rule" for label, n in hooks.created_without_rule.items()
        ]
    return result


def fake_only_paths(spec: dict[str, Any], base_path: str, api_prefix: str = "/api/") -> list[str]:
    """The spec's paths that are the fake's own, not the real API's: those outside ``api_prefix``."""
    return [path for path in spec.get("paths", {}) if not (base_path + path).startswith(api_prefix)]


def _operations(
    spec: dict[str, Any], read_only: bool, skipped: tuple | list = (), operation_ids: tuple[str, ...] = ()
) -> list[str]:
    labels = []
    for path, item in spec.get("paths", {}).items():
        if path in skipped:
            continue
        for method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
            operation = item.get(method)
            if not isinstance(operation, dict) or (read_only and method.upper() not in SAFE_METHODS):
                continue
            if operation_ids and operation.get("operationId") not in operation_ids:
                continue
            labels.append(f"{method.upper()} {path}")
    return labels


def _consume(result: RunResult, event: Any) -> None:
    if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        _record_scenario(result, event)
    elif isinstance(event, events.PhaseStarted):
        result.phase_started[event.phase.name.value] = event.timestamp
        if isinstance(event.payload, events.StatefulPhasePayload):
            result.links_total = max(result.links_total, event.payload.transitions_total)
    elif isinstance(event, events.PhaseFinished) and event.phase.name.value in result.phase_started:
        name = event.phase.name.value
        result.phase_seconds[name] = result.phase_seconds.get(name, 0.0) + event.timestamp - result.phase_started[name]
    elif isinstance(event, events.NonFatalError) and type(event.value).__name__ == "NoLinksFound":
        pass  # the operations selected (--operation-id, --read-only) leave the stateful phase nothing to walk
    elif isinstance(event, events.NonFatalError) and _stream_cut(result, event):
        result.streams_cut += 1
    elif isinstance(event, events.NonFatalError):
        result.errors.append(f"{event.label}: {type(event.value).__name__}: {event.value}")
        result.error_details.append(event.info.format(base_url_is_set=True))
    elif isinstance(event, events.FatalError):
        result.errors.append(f"fatal: {type(event.exception).__name__}: {event.exception}")
    elif isinstance(event, events.EngineFinished):
        for failure in event.failures:
            _add_failure(result, failure, "run", None, "", "after run")


def _stream_cut(result: RunResult, event: Any) -> bool:
    """Whether an error is an NDJSON stream of a run still going, read for ``stream_seconds`` and cut
    (Schemathesis reads only SSE answers for a bounded time, and reports other silent bodies as errors)."""
    return event.label in stream_operations(result.target.load()) and "Read timed out" in str(event.value)


def _record_scenario(result: RunResult, event: Any) -> None:
    recorder = event.recorder
    phase = event.phase.name.lower()
    if event.label in result.operations:
        result.operations[event.label].seconds += event.elapsed_time
    for case_id, node in recorder.cases.items():
        case = node.value
        if node.transition is not None and node.is_transition_applied:
            result.links_covered.add(node.transition.id)
        label = case.operation.label
        stats = result.operations.setdefault(label, OperationStats(label))
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        if response is not None:
            stats.requests += 1
            stats.statuses[response.status_code] += 1
        failed = False
        for check in recorder.checks.get(case_id, []):
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            failed = True
            info = check.failure_info
            request = interaction.request if interaction is not None else None
            _add_failure(result, info.failure, check.name, response, info.code_sample, phase, request)
        if failed:
            stats.failing_requests += 1


def _excerpt(response: Any, limit: int = 600) -> str:
    if response is None:
        return ""
    text = response.content.decode("utf-8", "replace") if response.content else ""
    return f"{response.status_code} {text[:limit]}{'...' if len(text) > limit else ''}"


def _request(request: Any) -> dict | None:
    if request is None:
        return None
    headers = {name: values[0] if isinstance(values, list) else values for name, values in request.headers.items()}
    # any bytes (a multipart upload too) as text that encodes back to them: surrogateescape
    body = request.body.decode("utf-8", "surrogateescape") if request.body is not None else None
    return {"method": request.method, "uri": request.uri, "headers": headers, "body": body}


def _add_failure(
    result: RunResult, failure: Any, check: str, response: Any, curl: str, phase: str, request: Any = None
) -> None:
    record = FailureRecord(
        operation=failure.operation or "-",
        check=check,
        code=failure.code,
        title=failure.title,
        json_path=failure_path(failure),
        message=str(failure.message or ""),
        status=response.status_code if response is not None else None,
        curl=curl,
        phase=phase,
        response=_excerpt(response),
        request=_request(request),
    )
    existing = result.failures.get(record.key)
    if existing is None:
        result.failures[record.key] = record
    else:
        existing.count += 1


# ----------------------------------------------------------------------------- cleanup
def cleanup(
    base_url: str, token: str | None, options: RunOptions, created: list[tuple[CleanupRule, str]]
) -> CleanupReport:
    """DELETE what the run created (newest first), paced like the run."""
    report = CleanupReport()
    headers = dict(options.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    interval = _interval(options.rate_limit)
    with requests.Session() as session:
        for rule, object_id in reversed(list(dict.fromkeys(created))):
            url = base_url + rule.delete_path.replace("{id}", object_id)
            try:
                response = session.delete(url, headers=headers, timeout=options.request_timeout)
            except requests.RequestException as e:
                report.failed.append(f"DELETE {url}: {e}")
                continue
            if response.status_code < 300:
                report.deleted.append(f"DELETE {url}")
            elif response.status_code == 404:
                report.already_gone.append(f"DELETE {url}")
            else:
                report.failed.append(f"DELETE {url}: {response.status_code}")
            if interval:
                time.sleep(interval)
    return report


def _interval(rate_limit: str | None) -> float:
    """Seconds between two requests under a rate limit like ``10/s`` or ``300/m``."""
    if not rate_limit:
        return 0.0
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate_limit)
    if not match:
        return 0.0
    count, amount, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return seconds / count if count else 0.0
