"""The one list of the APIs the fake serves, and what each needs: ``APIS``.

Everything that needs the list reads it here: ``make generate`` (mockserver/codegen.py: which
specs, which packages), ``create_app`` (which adapters or layers, for which ``--profile``, which
paths need a key), the route table it builds for the admin operation index (fault rules and the
journal name operations) and the contract harness (contracts/targets.py: one target per API,
its options keyed by the API's name).

This module imports nothing of the project: codegen reads it before generated/ exists, so the
adapters and layers are named by import strings (``"module:function"``) that ``create_app``
resolves, and the generated tables are imported only when asked for (``Api.operations``).
"""

from __future__ import annotations

import importlib
import importlib.resources
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Auth:
    """Which paths need an API key (a bearer token). Checked before routing, under a prefix: a request
    without a key learns nothing about which paths exist there."""

    prefix: str
    # False: only when the server has --api-key, CORS preflights excepted (the workflow server: open
    # as `llamactl serve` is, and a browser's EventSource cannot send a token)
    always: bool = True


CLOUD_AUTH = Auth("/api/")  # LlamaCloud: every path under /api/ needs a key


@dataclass(frozen=True)
class Api:
    """One API the fake can serve: a row of ``APIS``."""

    name: str  # its package in generated/, and its contract target's name (`contract --spec NAME`)
    spec: str  # the OpenAPI 3.0 document in openapi/ that the fake serves
    # "module:function" making what serves its operations: an adapter, function(state), whose
    # methods connexion calls by operationId (mockserver/routing.py); or a layer, function(app,
    # state), an ASGI middleware serving them itself (streams, its own error shapes)
    adapter: str = ""
    layer: str = ""
    profiles: tuple[str, ...] = ("default",)  # the --profile values that serve it
    source: str = ""  # the OpenAPI 3.1 spec in openapi/ that `make generate` derives `spec` from
    auth: Auth | None = CLOUD_AUTH  # None: its own rule (the admin API's --admin-key)
    # statuses its errors take under /api/ where its spec declares others ({422: 400}: a request that
    # does not validate answers 400), for every API of its profiles
    error_statuses: dict[int, int] = field(default_factory=dict)
    # the fake's own controls (the admin API): not an operation of fault rules or the journal, not a
    # contract target, not in the start-up banner's list of APIs
    controls: bool = False
    # "module:function", function(state, url) -> the banner's lines about it; without it, the API
    # is named on the banner's "APIs:" line
    banner: str = ""

    @property
    def package(self) -> str:
        return f"generated.{self.name}"

    def document(self) -> dict[str, Any]:
        """Its spec (a fresh copy), from the JSON twin `make generate` writes in its package: parsing
        the YAML, even with libyaml, took 0.1 s of every start."""
        return json.loads(importlib.resources.files(self.package).joinpath("spec.json").read_bytes())

    @property
    def operations(self) -> ModuleType:
        """Its generated operations table (generated/<name>/operations.py: OPERATIONS, BASE_PATH)."""
        return importlib.import_module(f"{self.package}.operations")

    def make_adapter(self, state: Any) -> object:
        return resolve(self.adapter)(state)

    def make_layer(self, app: Any, state: Any) -> object:
        return resolve(self.layer)(app, state)


APIS: tuple[Api, ...] = (
    Api("agent_data", "agent_data.yaml", adapter="mockserver.api.agent_data:adapter"),
    Api("extraction_v1", "extraction_v1.yaml", adapter="mockserver.api.extraction_v1:adapter"),
    Api("extract_v2", "extract_v2.yaml", adapter="mockserver.api.extract_v2:adapter"),
    Api("beta_files", "beta_files.yaml", adapter="mockserver.api.beta_files:adapter"),
    Api("projects", "projects.yaml", adapter="mockserver.api.projects:adapter"),
    Api(
        "admin",
        "admin.yaml",
        adapter="mockserver.api.admin:AdminApi",
        profiles=("default", "seed"),
        auth=None,
        controls=True,
    ),
    # the LlamaDeploy workflow server: streams and its own error words, so its own layer
    Api(
        "workflows",
        "workflows.yaml",
        layer="mockserver.api.workflows:layer",
        auth=Auth("/deployments/", always=False),
        banner="mockserver.api.workflows:banner",
    ),
    # the published seed spec under /api/v1, as written, instead of the real wire format
    Api(
        "seed",
        "derived/seed-3.0.yaml",
        adapter="mockserver.api.seed:adapter",
        profiles=("seed",),
        source="seed/llamaextract-api.yaml",
        # statuses the seed spec does not declare -> the one it declares for the same meaning
        error_statuses={422: 400, 413: 400, 409: 400},
    ),
)


def by_name(name: str) -> Api:
    for api in APIS:
        if api.name == name:
            return api
    raise KeyError(f"no API named {name!r} in mockserver/registry.py: {', '.join(api.name for api in APIS)}")


def by_spec(spec: str) -> Api:
    """The API serving openapi/``spec`` (``"agent_data.yaml"``, ``"derived/seed-3.0.yaml"``)."""
    for api in APIS:
        if api.spec == spec:
            return api
    raise KeyError(f"no API serves openapi/{spec} in mockserver/registry.py")


def profile_names() -> list[str]:
    """Every --profile value, in the order the registry first names them (``default`` first)."""
    return list(dict.fromkeys(profile for api in APIS for profile in api.profiles))


@dataclass(frozen=True)
class Profile:
    """What a server started with ``--profile name`` serves, in the registry's order."""

    name: str
    apis: tuple[Api, ...]

    @property
    def error_statuses(self) -> dict[int, int]:
        return {old: new for api in self.apis for old, new in api.error_statuses.items()}

    @property
    def auth(self) -> tuple[Auth, ...]:
        return tuple(dict.fromkeys(api.auth for api in self.apis if api.auth is not None))


def profile(name: str, apis: Iterable[Api] = APIS) -> Profile:
    served = tuple(api for api in apis if name in api.profiles)
    if not served:
        raise KeyError(f"no API is served in the profile {name!r}: profiles are {', '.join(profile_names())}")
    return Profile(name, served)


def resolve(reference: str) -> Callable[..., Any]:
    """What an import string ``"package.module:attribute"`` names."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def base_path(document: dict[str, Any]) -> str:
    """The path of an OpenAPI document's first server, where its paths are mounted (``/api/v1`` for
    ``https://api.cloud.llamaindex.ai/api/v1``; ``""`` for ``/``), as connexion reads it."""
    servers = document.get("servers") or [{"url": "/"}]
    return urlsplit(servers[0].get("url", "/")).path.rstrip("/")


class Route(NamedTuple):
    """One operation as a server serves it."""

    method: str  # upper case
    path: str  # the full path template, the spec's base path included
    operation_id: str
    api: str  # the API's name in the registry


def route_table(apis: Iterable[Api]) -> tuple[Route, ...]:
    """Every operation of ``apis``, in their order and their specs' order (from the generated tables)."""
    routes = []
    for api in apis:
        table = api.operations
        for operation_id, operation in table.OPERATIONS.items():
            routes.append(Route(operation.method, table.BASE_PATH + operation.path, operation_id, api.name))
    return tuple(routes)
