"""What the harness tests: each spec, the fake's profile serving it, and what a run must know about it.

A ``Target`` names a spec and the profile of the fake that serves it (``make contract`` runs each
one against its own fake). There is one per API of the registry (mockserver/registry.py), the
admin API's excepted, named as the API; its options here are keyed by that name. Besides, it
says how to delete what a run creates on a live API (``CleanupRule``: from a create operation's
response to a DELETE path) and which failures are known conflicts that no schema can express
(``Exclusion``, each with its reason, listed in every report with how many failures it dropped).

Any other OpenAPI document can be tested too (``Target.from_path``): it gets no exclusions, and
its cleanup rules come from the OpenAPI links from a create operation to a DELETE operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts import aids
from mockserver import registry

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "openapi"


@dataclass(frozen=True)
class CleanupRule:
    """After a 2xx answer to ``operation_id``, DELETE ``delete_path`` (relative to the spec's base
    path) with ``{id}`` replaced by the response body's ``id_field``."""

    operation_id: str
    delete_path: str
    id_field: str = "id"
    note: str = ""


@dataclass(frozen=True)
class Exclusion:
    """A failure the harness drops, because it is a known conflict, not drift.

    It matches a failure of one of ``checks`` (Schemathesis check names) on ``operations``
    (labels such as ``POST /api/v1/beta/agent-data/:search``; empty: any operation) when
    ``applies(response_body, status_code)`` is true.
    """

    id: str
    checks: tuple[str, ...]
    operations: tuple[str, ...]
    reason: str
    applies: Callable[[Any, int], bool] = field(default=lambda body, status: True, compare=False)
    # the request too, for a conflict the answer alone does not show (the generated case; None: any)
    applies_to_case: Callable[[Any], bool] = field(default=lambda case: True, compare=False)

    def matches(self, check: str, operation: str, body: Any, status: int, case: Any = None) -> bool:
        return (
            check in self.checks
            and (not self.operations or operation in self.operations)
            and self.applies(body, status)
            and (case is None or self.applies_to_case(case))
        )


def rejected_at(*locs: tuple[str, ...], status: int = 422) -> Callable[[Any, int], bool]:
    """A FastAPI-shaped rejection (``{"detail": [{"loc": [...]}]}``) whose every error points at
    one of ``locs`` (or inside it)."""

    def applies(body: Any, code: int) -> bool:
        if code != status or not isinstance(body, dict) or not isinstance(body.get("detail"), list):
            return False
        errors = body["detail"]
        return bool(errors) and all(
            isinstance(e, dict) and any(tuple(e.get("loc", ()))[: len(loc)] == loc for loc in locs) for e in errors
        )

    return applies


@dataclass(frozen=True)
class Target:
    name: str
    spec: Path
    profile: str | None  # the fake's --profile serving this spec; None: not served by the fake
    cleanup: tuple[CleanupRule, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    aids: tuple[Callable, ...] = ()  # map_case hooks (contracts/aids.py)
    description: str = ""
    fake_args: tuple[str, ...] = ()  # more options of the fake serving it (`serve`, relative to the project)
    api_prefix: str = "/api/"  # the real API's paths start with it; others are the fake's own (signed URLs)

    def load(self) -> dict[str, Any]:
        return yaml.safe_load(self.spec.read_text())

    @property
    def base_path(self) -> str:
        """The path of the spec's first server (``/api/v1`` for the seed spec), appended to base URLs."""
        return registry.base_path(self.load())

    def cleanup_rules(self) -> tuple[CleanupRule, ...]:
        return self.cleanup or tuple(rules_from_links(self.load()))

    @classmethod
    def from_path(cls, path: Path) -> Target:
        return cls(name=path.stem, spec=path, profile=None, description=f"{path}")


def registered(name: str, **options: Any) -> Target:
    """The target of the registry's API ``name``: its spec (the published one it is derived from,
    when it is), tested against the fake of the first profile serving it, with ``options``."""
    api = registry.by_name(name)
    return Target(name=api.name, spec=OPENAPI / (api.source or api.spec), profile=api.profiles[0], **options)


def rules_from_links(spec: dict[str, Any]) -> list[CleanupRule]:
    """Cleanup rules from the spec's links: a link from a create operation to a DELETE operation
    whose path parameter comes from ``$response.body#/<field>``."""
    deletes = {}
    for path, item in spec.get("paths", {}).items():
        if isinstance(item.get("delete"), dict) and "operationId" in item["delete"]:
            deletes[item["delete"]["operationId"]] = path
    rules = []
    for item in spec.get("paths", {}).values():
        operation = item.get("post")  # what creates
        if isinstance(operation, dict):
            for response in operation.get("responses", {}).values():
                for link in (response.get("links") or {}).values():
                    target = link.get("operationId")
                    if target not in deletes:
                        continue
                    for name, expression in (link.get("parameters") or {}).items():
                        match = re.fullmatch(r"\$response\.body#/(\w+)", str(expression))
                        if match:
                            path = deletes[target].replace("{" + name.split(".")[-1] + "}", "{id}")
                            rules.append(CleanupRule(operation["operationId"], path, match.group(1)))
    return list(dict.fromkeys(rules))


# ----------------------------------------------------------------------------- exclusions
def rejected_at_root(body: Any, status: int) -> bool:
    """A 422 whose every error is at ``["body"]`` itself: a rule across several fields."""
    if status != 422 or not isinstance(body, dict) or not isinstance(body.get("detail"), list) or not body["detail"]:
        return False
    return all(isinstance(e, dict) and list(e.get("loc", ())) == ["body"] for e in body["detail"])


def _rejected_inside(body: Any, status: int, fields: tuple[str, ...]) -> bool:
    """A validation rejection whose every error is inside one of ``fields`` of the body, at any
    depth (``["body", "configuration", "data_schema", "type"]``): a 422, or a 400 in the seed
    profile, whose spec declares no 422 (its row in mockserver/registry.py, error_statuses)."""
    if (
        status not in (422, 400)
        or not isinstance(body, dict)
        or not isinstance(body.get("detail"), list)
        or not body["detail"]
    ):
        return False
    return all(
        isinstance(e, dict)
        and list(e.get("loc", ()))[:1] == ["body"]
        and any(part in fields for part in e.get("loc", ()))
        for e in body["detail"]
    )


def _rejected_schema(body: Any, status: int) -> bool:
    return _rejected_inside(body, status, ("data_schema", "data_schema_override"))


# Known conflicts of every spec: conventions of the real API that no OpenAPI schema can express.
PAGE_TOKEN = Exclusion(
    id="opaque-page-token",
    checks=("positive_data_acceptance",),
    operations=(),
    reason=(
        "A `page_token` is opaque: only a `next_page_token` the server issued is valid, and a schema "
        "cannot say which strings those are. A generated token is rejected with 422 at "
        '`["body", "page_token"]` (or `["query", "page_token"]`), as the real API rejects a forged one. '
        "The specs' links feed real tokens back (`NextPage`), so the stateful phase tests those."
    ),
    applies=rejected_at(("body", "page_token"), ("query", "page_token")),
)
CROSS_FIELD = Exclusion(
    id="cross-field-rule",
    checks=("positive_data_acceptance",),
    operations=(),
    reason=(
        "A rule across several optional fields, stated in the spec's descriptions (\"exactly one of "
        'file, file_id and text"): OpenAPI 3.0 could only state it as a `oneOf` of the whole body, '
        "which would make the generated request models lose FastAPI's error locations. A body breaking "
        'it is rejected with 422 at `["body"]` itself.'
    ),
    applies=rejected_at_root,
)
DATA_SCHEMA = Exclusion(
    id="data-schema-semantics",
    checks=("positive_data_acceptance",),
    operations=(),
    reason=(
        "A `data_schema` (or `data_schema_override`) is typed as any object or string, but the server "
        "checks that it is a JSON Schema: valid against its metaschema, describing an object at its root, "
        "with local `$ref`s that resolve, and for a string, JSON holding such a schema. The metaschema "
        "cannot be restated in OpenAPI 3.0, and spelling the root rule out in the spec would make the "
        "generated model rebuild the schema instead of keeping it verbatim (it is echoed exactly as sent). "
        'A generated one that is no JSON Schema is rejected with 422 at `["body", ..., "data_schema", ...]`. '
        "The harness's generation aid (contracts/aids.py) sends usable schemas in most positive cases."
    ),
    applies=lambda body, status: _rejected_schema(body, status),
)
WEBHOOK_URL = Exclusion(
    id="webhook-url-semantics",
    checks=("positive_data_acceptance",),
    operations=(),
    reason=(
        "A `webhook_url` the server will call must be an absolute http or https URL with a host and a "
        "port in 1-65535; the spec types it as a string (a pattern for every valid host and port would be "
        "unreadable, and a simpler one would refuse valid URLs). Another string is rejected with 422 at "
        '`["body", ..., "webhook_url"]`.'
    ),
    applies=lambda body, status: _rejected_inside(body, status, ("webhook_url",)),
)
ORDER_BY = Exclusion(
    id="sort-term-vocabulary",
    checks=("positive_data_acceptance",),
    operations=(),
    reason=(
        "`order_by` is a free string whose terms the server parses: fields of a vocabulary (`created_at`, "
        "`data.<path>`...), for an aggregate only `count` and the paths of its `group_by` (a constraint "
        "between two fields). The descriptions state the grammar; as a regex `pattern` it would also make "
        "every client read pydantic's \"String should match pattern '<400 characters>'\" instead of the "
        "server's \"cannot read sort term 'name up': write '<field> [asc|desc]'...\". A term outside it is "
        'rejected with 422 at `["body", "order_by"]` (or `["query", "order_by"]`).'
    ),
    applies=rejected_at(("body", "order_by"), ("query", "order_by")),
)


def _repeats_a_form_field(case: Any) -> bool:
    """A multipart body sending a field more than once (no multipart field of our specs is a list)."""
    media_type = getattr(case, "media_type", None) or ""
    body = getattr(case, "body", None)
    return (
        media_type.startswith("multipart/")
        and isinstance(body, dict)
        and any(isinstance(value, list) for value in body.values())
    )


REPEATED_FORM_FIELD = Exclusion(
    id="repeated-form-field",
    checks=("negative_data_rejection",),
    operations=(),
    reason=(
        "A multipart form field sent several times where the spec has one value (`external_file_id` twice): "
        "FastAPI reads such a field with the form's `get`, which takes the last value, and so does the fake; "
        "OpenAPI cannot say that a form field must not repeat, so Schemathesis counts the accepted request as "
        "drift. Only accepted (2xx) answers to such bodies are dropped."
    ),
    applies=lambda body, status: 200 <= status < 300,
    applies_to_case=_repeats_a_form_field,
)
DELETED_BY_QUERY = Exclusion(
    id="deleted-by-query",
    checks=("ensure_resource_availability",),
    # the create's label names the failure; the read's is the case the check looked at
    operations=("POST /api/v1/beta/agent-data", "GET /api/v1/beta/agent-data/{item_id}"),
    reason=(
        "Records are also deleted by query (`POST /api/v1/beta/agent-data/:delete`), a POST that Schemathesis "
        "does not count as a deletion: when its stateful phase deletes a record by query between creating it "
        "and reading it back, the read's 404 is reported as a created resource not found. Reading back what "
        "was created is proven by the HTTP and SDK suites. Only 404 answers are dropped."
    ),
    applies=lambda body, status: status == 404,
)
COMMON_EXCLUSIONS = (PAGE_TOKEN, CROSS_FIELD, DATA_SCHEMA, WEBHOOK_URL, ORDER_BY, REPEATED_FORM_FIELD)

AGENT_DATA = registered(
    "agent_data",
    description="Agent Data (openapi/agent_data.yaml), the real wire format",
    cleanup=(CleanupRule("create_agent_data", "/api/v1/beta/agent-data/{id}"),),
    exclusions=(*COMMON_EXCLUSIONS, DELETED_BY_QUERY),
)
EXTRACTION_V1 = registered(
    "extraction_v1",
    description="Extraction v1 and Files v1 (openapi/extraction_v1.yaml), the real wire format",
    cleanup=(
        CleanupRule("create_extraction_agent", "/api/v1/extraction/extraction-agents/{id}"),
        CleanupRule("upload_file", "/api/v1/files/{id}"),
    ),
    exclusions=COMMON_EXCLUSIONS,
    aids=(aids.data_schemas, aids.for_operations(aids.stateless_sources, "POST /api/v1/extraction/run")),
)
SCHEMA_FROM_PROMPT = Exclusion(
    id="schema-generation-prompt",
    checks=("positive_data_acceptance",),
    operations=("POST /api/v2/extract/schema/generate",),
    reason=(
        "The fake generates a schema from the field names it can read in a `prompt` "
        "(mockserver/domain/schema_generation.py); the real service asks a model, which answers any "
        'prompt. A prompt naming no field is rejected with 422 at `["body", "prompt"]`: a known limit '
        "of the fake, not of the spec."
    ),
    applies=rejected_at(("body", "prompt")),
)
EXTRACT_V2 = registered(
    "extract_v2",
    description="Extract v2 (openapi/extract_v2.yaml), the real wire format",
    exclusions=(*COMMON_EXCLUSIONS, SCHEMA_FROM_PROMPT),
    aids=(aids.one_configuration, aids.data_schemas),
)

SEED_LIST_WITHOUT_PROJECT = Exclusion(
    id="seed-list-agents-without-project",
    checks=("status_code_conformance",),
    operations=("GET /extraction/extraction-agents",),
    reason=(
        "The seed spec requires `project_id` to list agents but declares only 200 and 401 for the "
        "operation. A request without it must be rejected (negative data), and no declared status "
        "says so: 401 would tell the client its key is wrong. The fake answers 400, as the seed "
        "declares for the invalid requests of its other operations (an unavoidable mismatch, also "
        "listed in contracts/reports/seed-vs-real.md)."
    ),
    applies=lambda body, status: status == 400 and rejected_at(("query", "project_id"), status=400)(body, status),
)

SEED = registered(
    "seed",
    description="The published LlamaExtract spec (openapi/seed/llamaextract-api.yaml, OpenAPI 3.1), as written",
    cleanup=(
        CleanupRule("createExtractionAgent", "/extraction/extraction-agents/{id}"),
        CleanupRule(
            "uploadFile", "/files/{id}", note="outside the seed spec: the real API's DELETE /api/v1/files/{id}"
        ),
    ),
    exclusions=(*COMMON_EXCLUSIONS, SEED_LIST_WITHOUT_PROJECT),
)
HANDLER_500 = Exclusion(
    id="workflow-handler-500",
    checks=("not_a_server_error",),
    operations=(
        "POST /deployments/{deployment_name}/workflows/{name}/run",
        "GET /deployments/{deployment_name}/handlers/{handler_id}",
        "GET /deployments/{deployment_name}/results/{handler_id}",
    ),
    reason=(
        "The real workflow server answers a run that failed or was cancelled with 500 and the Handler "
        "as the body (its clients read it: the UI's useHandler takes a 500 body with `handler_id` and "
        "`status` as the handler). The spec declares that 500; Schemathesis flags every 5xx regardless."
    ),
    applies=lambda body, status: (
        status == 500 and isinstance(body, dict) and body.get("status") in ("failed", "cancelled")
    ),
)
SCENARIO_EVENTS = Exclusion(
    id="workflow-scenario-events",
    checks=("positive_data_acceptance",),
    operations=(
        "POST /deployments/{deployment_name}/workflows/{name}/run",
        "POST /deployments/{deployment_name}/workflows/{name}/run-nowait",
        "POST /deployments/{deployment_name}/events/{handler_id}",
    ),
    reason=(
        "Which fields a workflow's start event takes, which event types a run can be sent and what their "
        "values hold are the deployment's (a scenario file's `start`, `expect` and `expect_schema`), not "
        "the spec's: the spec types them as any object. A start event or event that breaks them, or a JSON "
        "string that is no JSON object, is rejected with 400 in the real server's words."
    ),
    applies=lambda body, status: (
        status == 400
        and isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and body["detail"].startswith(
            (
                "Validation error for 'start_event'",
                "Failed to deserialize event",
                "Invalid event type",
                "Invalid client data",
            )
        )
    ),
)
WORKFLOWS = registered(
    "workflows",
    description="The LlamaDeploy workflow server (openapi/workflows.yaml), serving examples/workflows/wfdemo.yaml",
    exclusions=(HANDLER_500, SCENARIO_EVENTS),
    aids=(aids.scenario_workflows,),
    fake_args=("--workflows", "examples/workflows/wfdemo.yaml"),
    api_prefix="/",  # every route is the real server's
)
# the targets with options of their own, by their API's name; every other API of the registry gets
# the options every LlamaCloud spec shares
OWN_OPTIONS = {target.name: target for target in (AGENT_DATA, EXTRACTION_V1, EXTRACT_V2, SEED, WORKFLOWS)}


def all_targets() -> dict[str, Target]:
    """Every API of the registry but the fake's own controls (the admin API), in its order, by name
    (``seed`` for the published spec, tested as published, not as derived for connexion)."""
    return {
        api.name: OWN_OPTIONS.get(api.name)
        or registered(
            api.name, description=f"openapi/{api.spec}", exclusions=COMMON_EXCLUSIONS, aids=(aids.data_schemas,)
        )
        for api in registry.APIS
        if not api.controls
    }


def resolve(spec: str) -> Target:
    """A target by name (``agent_data``, ``extraction_v1``, ``seed``...) or by path to any OpenAPI document."""
    targets = all_targets()
    if spec in targets:
        return targets[spec]
    path = Path(spec)
    if not path.exists():
        raise ValueError(f"unknown spec {spec!r}: name one of {', '.join(targets)} or give the path of an OpenAPI file")
    for target in targets.values():
        if path.resolve() == target.spec.resolve():
            return target
    return Target.from_path(path)
