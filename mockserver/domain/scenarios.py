"""Scenario files: what the fake's workflow server does, per workflow, on the wire.

A scenario file (YAML or JSON) describes one deployment: its name, and its workflows, each a list
of steps (``emit`` an event, ``ask`` for one and wait, ``stop`` with a result, ``fail`` with an
error), each optionally ``after`` some seconds of the server's clock. The format is defined by
``scenario.schema.json`` beside this module (shipped with the package, for editors too) plus the
checks JSON Schema cannot say (``_check_workflow``). docs/workflows.md is its reference.

``load_scenario(path)`` returns a ``Deployment`` or raises ``ScenarioError`` whose message names
the file, the place in it (``workflows.hitl.steps[1].expect``) and what is wrong.

Templates: in an event's ``data`` and a stop's ``result``, a string that is exactly ``${path}``
takes the referenced value with its JSON type; ``${path}`` inside a longer string is replaced by
the value as text (strings as they are, anything else as JSON). Paths: ``start.<field>``,
``answer.<field>`` (the last answer), ``answers.<EventType>.<field>``, ``handler_id``; a missing
value is null (empty inside a string).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
KINDS = ("emit", "ask", "stop", "fail")
_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
_PATH = re.compile(r"^(start|answer|answers\.[A-Za-z_][A-Za-z0-9_]*|handler_id)((?:\.[^.]+)*)$")
_ONLY_FOR = {  # a key that only makes sense on one kind of step
    "expect": "ask",
    "expect_types": "ask",
    "expect_schema": "ask",
}
_NOT_FOR = {"data": ("stop", "fail"), "types": ("stop", "fail"), "qualified_name": ("stop", "fail")}

STOP_EVENT_SCHEMA = {
    "description": "Terminal event that signals the workflow has completed.",
    "properties": {},
    "title": "StopEvent",
    "type": "object",
}
DEFAULT_START_SCHEMA = {
    "description": "Implicit entry event sent to kick off a `Workflow.run()`.",
    "properties": {},
    "title": "StartEvent",
    "type": "object",
}


class ScenarioError(Exception):
    """A scenario file that cannot be served; the message says where and what."""


@dataclass(frozen=True)
class Step:
    kind: str  # emit, ask, stop or fail
    event: str  # the event's type (StopEvent for stop; WorkflowFailedEvent for fail)
    data: Any = None  # template of the event's value (emit, ask), of the result (stop); the error (fail)
    types: tuple[str, ...] | None = None
    qualified_name: str | None = None
    after: float = 0.0
    expect: str | None = None
    expect_types: tuple[str, ...] | None = None
    expect_schema: dict | None = None
    step_name: str = ""  # the workflow step (segment between two asks) this step belongs to


@dataclass(frozen=True)
class EventClass:
    """An event type a run can be sent (POST /events) or produces, as the real server's registry has it."""

    name: str
    types: tuple[str, ...] | None
    qualified_name: str
    schema: dict
    validate: Callable[[Any], list[str]] = field(default=lambda value: [], compare=False, repr=False)


@dataclass(frozen=True)
class Workflow:
    name: str
    steps: tuple[Step, ...]
    start_schema: dict
    timeout: float | None
    description: str
    registry: dict[str, EventClass]  # the types POST /events accepts, in the order errors list them
    start_validator: Callable[[Any], list[str]] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Deployment:
    name: str
    workflows: dict[str, Workflow]  # in the file's order
    source: str = ""


# ---------------------------------------------------------------------------------------- loading
def load_scenario(path: str | Path) -> Deployment:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read the scenario file ({e.strerror or e})") from None
    document = _parse(path, text)
    return build_deployment(document, str(path))


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ScenarioError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ScenarioError(f"{path}{where}: not valid YAML: {problem}") from None


@functools.cache
def scenario_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _place(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def build_deployment(document: Any, source: str = "<scenario>") -> Deployment:
    """A Deployment from a parsed scenario document; ScenarioError when it is not valid."""
    if not isinstance(document, dict):
        raise ScenarioError(
            f"{source}: a scenario is a mapping with `deployment` and `workflows`, not {_kind(document)}"
        )
    import jsonschema  # here, not at the top: the CLI imports this module, and jsonschema takes 50 ms

    _check_kinds(document, source)
    errors = sorted(
        jsonschema.Draft202012Validator(scenario_schema()).iter_errors(document),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        raise ScenarioError(f"{source}: at {_place(error.absolute_path)}: {_message(error)}")
    name = document["deployment"]
    workflows = {}
    for workflow_name, spec in document["workflows"].items():
        workflows[workflow_name] = _build_workflow(name, workflow_name, spec, f"{source}: at workflows.{workflow_name}")
    return Deployment(name, workflows, source)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "empty"}.get(
        type(value), type(value).__name__
    )


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    return error.message


def _check_kinds(document: dict, source: str) -> None:
    """Each step is exactly one of emit/ask/stop/fail (clearer said here than by the schema's oneOf)."""
    workflows = document.get("workflows")
    if not isinstance(workflows, dict):
        return
    for name, spec in workflows.items():
        steps = spec.get("steps") if isinstance(spec, dict) else None
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            kinds = [k for k in KINDS if k in step]
            where = f"{source}: at workflows.{name}.steps[{i}]"
            if len(kinds) != 1:
                found = f"it has {', '.join(kinds)}" if kinds else "it has none"
                raise ScenarioError(f"{where}: a step is exactly one of emit, ask, stop or fail ({found})")
            for key, kind in _ONLY_FOR.items():
                if key in step and kinds[0] != kind:
                    raise ScenarioError(f"{where}.{key}: `{key}` belongs to an `ask` step, not to `{kinds[0]}`")
            for key, not_for in _NOT_FOR.items():
                if key in step and kinds[0] in not_for:
                    raise ScenarioError(f"{where}.{key}: a `{kinds[0]}` step has no `{key}`")


def _build_workflow(deployment: str, name: str, spec: dict, where: str) -> Workflow:
    raw_steps = spec["steps"]
    steps: list[Step] = []
    answered: list[str] = []  # expect types of the asks so far: what answers.<Type> may name
    segment = 1
    step_name = raw_steps[0].get("step", "start")
    for i, raw in enumerate(raw_steps):
        here = f"{where}.steps[{i}]"
        kind = next(k for k in KINDS if k in raw)
        if kind in ("stop", "fail") and i != len(raw_steps) - 1:
            raise ScenarioError(
                f"{here}: `{kind}` ends the run, so it must be the last step ({len(raw_steps) - i - 1} after it)"
            )
        if i == len(raw_steps) - 1 and kind not in ("stop", "fail"):
            raise ScenarioError(
                f"{here}: the last step must be a `stop` or a `fail` (a run needs an end), not `{kind}`"
            )
        if i and "step" in raw and raw_steps[i - 1].get("ask") is None:
            raise ScenarioError(
                f"{here}.step: `step` names the workflow step an answer begins: "
                "only on the first step or right after an `ask`"
            )
        if i and raw_steps[i - 1].get("ask") is not None:
            segment += 1
            step_name = raw.get("step", f"step_{segment}")
        after = float(raw.get("after", 0))
        if kind == "emit":
            event, data = raw["emit"], raw.get("data", {})
            step = Step(
                kind, event, data, _tuple(raw.get("types")), raw.get("qualified_name"), after, step_name=step_name
            )
        elif kind == "ask":
            event, data = raw["ask"], raw.get("data", {})
            types = _tuple(raw.get("types")) or ("InputRequiredEvent",)
            expect = raw.get("expect", "HumanResponseEvent")
            expect_types = _tuple(raw.get("expect_types"))
            if expect_types is None and expect != "HumanResponseEvent":
                expect_types = ("HumanResponseEvent",)
            step = Step(
                kind, event, data, types, raw.get("qualified_name"), after,
                expect, expect_types, raw.get("expect_schema"), step_name,
            )  # fmt: skip
        elif kind == "stop":
            stop = raw["stop"] or {}
            step = Step(
                kind, "StopEvent", stop.get("result"), None, "workflows.events.StopEvent", after, step_name=step_name
            )
        else:
            step = Step(
                kind,
                "WorkflowFailedEvent",
                raw["fail"],
                ("StopEvent",),
                "workflows.events.WorkflowFailedEvent",
                after,
                step_name=step_name,
            )
        for place, template in (("data" if kind != "stop" else "stop.result", step.data),):
            if kind != "fail":
                _check_templates(template, answered, f"{here}.{place}")
        if kind == "ask":
            answered.append(step.expect)
        if step.qualified_name is None:
            step = _with_qualified_name(step, f"{deployment}.workflows.{step.event}")
        steps.append(step)
    import jsonschema

    for label, schema in (
        ("start", spec.get("start")),
        *((f"steps[{i}].expect_schema", s.expect_schema) for i, s in enumerate(steps)),
    ):
        if schema is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                raise ScenarioError(f"{where}.{label}: not a valid JSON Schema: {e.message}") from None
    start_schema = {"title": "StartEvent", **spec["start"]} if "start" in spec else DEFAULT_START_SCHEMA
    return Workflow(
        name=name,
        steps=tuple(steps),
        start_schema=start_schema,
        timeout=spec.get("timeout"),
        description=spec.get("description", ""),
        registry=_registry(deployment, steps, start_schema),
        start_validator=validator(start_schema, start_schema["title"]),
    )


def _tuple(value: list | None) -> tuple[str, ...] | None:
    return tuple(value) if value else None


def _with_qualified_name(step: Step, qualified_name: str) -> Step:
    from dataclasses import replace

    return replace(step, qualified_name=qualified_name)


def _check_templates(template: Any, answered: list[str], where: str) -> None:
    for text, place in _strings(template, where):
        for match in _TEMPLATE.finditer(text):
            path = match.group(1).strip()
            parsed = _PATH.match(path)
            if not parsed:
                raise ScenarioError(
                    f"{place}: unknown template path ${{{path}}}: paths are start.<field>, answer.<field>, "
                    "answers.<EventType>.<field> and handler_id"
                )
            root = parsed.group(1)
            if root == "answer" and not answered:
                raise ScenarioError(f"{place}: ${{{path}}} names an answer, but no `ask` comes before this step")
            if root.startswith("answers.") and root.split(".", 1)[1] not in answered:
                expected = ", ".join(answered) or "none"
                raise ScenarioError(
                    f"{place}: ${{{path}}} names answers of type {root.split('.', 1)[1]}, "
                    f"but the asks before this step expect: {expected}"
                )


def _strings(value: Any, where: str):
    if isinstance(value, str):
        yield value, where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def _registry(deployment: str, steps: list[Step], start_schema: dict) -> dict[str, EventClass]:
    """The event types of the workflow's steps, as the real server lists them in its errors and in
    GET /workflows/{name}/events: what the steps take and return (answers, asks), then StopEvent
    and the start event. Events only written to the stream (emit) are not in it."""
    found: dict[str, EventClass] = {}
    for step in steps:
        if step.kind == "ask":
            schema = _event_schema(step.expect, step.expect_schema)
            check = validator(schema, step.expect) if step.expect_schema else (lambda value: [])
            qualified_name = f"{deployment}.workflows.{step.expect}"
            found.setdefault(step.expect, EventClass(step.expect, step.expect_types, qualified_name, schema, check))
            found.setdefault(
                step.event,
                EventClass(
                    step.event, step.types, step.qualified_name, _event_schema(step.event, _data_schema(step.data))
                ),
            )
    registry = {name: found[name] for name in sorted(found)}
    registry["StopEvent"] = EventClass("StopEvent", None, "workflows.events.StopEvent", STOP_EVENT_SCHEMA)
    start = start_schema["title"]
    registry[start] = EventClass(
        start, None if start == "StartEvent" else ("StartEvent",), f"workflows.events.{start}", start_schema
    )
    return registry


def _event_schema(name: str, schema: dict | None) -> dict:
    return {"properties": {}, "type": "object", **(schema or {}), "title": name}


def _data_schema(data: Any) -> dict:
    fields = data if isinstance(data, dict) else {}
    return {"properties": {key: {"title": key.replace("_", " ").title()} for key in fields}, "type": "object"}


# ---------------------------------------------------------------------------------------- validation
_PYDANTIC_TYPES = {
    "string": ("string_type", "Input should be a valid string"),
    "integer": ("int_type", "Input should be a valid integer"),
    "number": ("float_type", "Input should be a valid number"),
    "boolean": ("bool_type", "Input should be a valid boolean"),
    "object": ("dict_type", "Input should be a valid dictionary"),
    "array": ("list_type", "Input should be a valid list"),
    "null": ("none_required", "Input should be None"),
}


def validator(schema: dict, title: str) -> Callable[[Any], list[str]]:
    """A function from a value to the errors of ``schema`` in it, worded as pydantic words them
    (the real server validates events with pydantic): ``["1 validation error for T", "name", ...]``
    as one message, or [] when the value is valid."""
    import jsonschema

    checker = jsonschema.Draft202012Validator(schema)

    def errors(value: Any) -> list[str]:
        found = sorted(checker.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
        if not found:
            return []
        lines = [f"{len(found)} validation error{'s' if len(found) > 1 else ''} for {title}"]
        for error in found:
            loc = list(error.absolute_path)
            if error.validator == "required":
                missing = error.message.split("'")[1] if "'" in error.message else "?"
                loc, text, kind = [*loc, missing], "Field required", "missing"
                instance = error.instance
            elif error.validator == "type" and isinstance(error.validator_value, str):
                kind, text = _PYDANTIC_TYPES.get(error.validator_value, ("value_error", error.message))
                instance = error.instance
            else:
                kind, text, instance = "value_error", error.message, error.instance
            lines.append(".".join(map(str, loc)) or title)
            lines.append(_pydantic_line(text, kind, instance))
        return ["\n".join(lines)]

    return errors


def _pydantic_line(text: str, kind: str, value: Any) -> str:
    return f"  {text} [type={kind}, input_value={_python_repr(value)}, input_type={_python_type(value)}]"


def missing_field(title: str, name: str, value: Any) -> str:
    """Pydantic's error for a model ``title`` built from ``value`` without its required field ``name``."""
    return f"1 validation error for {title}\n{name}\n" + _pydantic_line("Field required", "missing", value)


def not_an_object(title: str, value: Any) -> str:
    """Pydantic's error for a model ``title`` built from a ``value`` that is no JSON object."""
    text = f"Input should be a valid dictionary or instance of {title}"
    return f"1 validation error for {title}\n" + _pydantic_line(text, "model_type", value)


def _python_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:24] + "..." + text[-24:]


def _python_type(value: Any) -> str:
    return type(value).__name__


# ---------------------------------------------------------------------------------------- templates
def render(template: Any, scope: dict[str, Any]) -> Any:
    """``template`` with its ``${path}`` references replaced from ``scope`` (start, answer, answers, handler_id)."""
    if isinstance(template, str):
        if "${" not in template:
            return template
        whole = _TEMPLATE.fullmatch(template)
        if whole:
            return lookup(scope, whole.group(1).strip())
        return _TEMPLATE.sub(lambda m: _as_text(lookup(scope, m.group(1).strip())), template)
    if isinstance(template, dict):
        return {key: render(value, scope) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, scope) for value in template]
    return template


def lookup(scope: dict[str, Any], path: str) -> Any:
    parts = path.split(".")
    if parts[0] == "answers" and len(parts) > 1:
        parts = [f"answers.{parts[1]}", *parts[2:]]
    value: Any = scope
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
