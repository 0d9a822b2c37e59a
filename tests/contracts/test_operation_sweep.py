"""A sweep over every operation of every spec, in the spirit of stripe-mock's "every resource can be
generated" and moto's implementation coverage: each test names the operations it fails on.

* every operation has a handler on its adapter (not the generated stub that answers 501);
* every parameter a handler names is one its operation gives: a path or query parameter (as
  connexion names them), ``body`` (a JSON body, or a multipart body's fields), a multipart field,
  or ``project_id`` (the project the request names, which the binding adds): a parameter renamed
  in a spec fails here rather than being silently left at its default;
* every JSON body has a request model.
"""

from __future__ import annotations

import inspect
import re

import pytest
from connexion.decorators.parameter import sanitized

from mockserver.api import PROFILES
from mockserver.app import load_spec
from mockserver.config import Config
from mockserver.state import FakeState
from mockserver.testing import AdminClient

METHODS = ("get", "put", "post", "delete", "patch")
APIS = {api.spec: api for profile in PROFILES.values() for api in profile.apis}


def operations(spec: dict):
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                yield path, method, item[method], shared


def deref(spec: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def given_parameters(spec: dict, operation: dict, shared: list) -> set[str]:
    names = {"project_id"}  # mockserver.routing.Binding.result adds it
    for parameter in [*shared, *operation.get("parameters", [])]:
        parameter = deref(spec, parameter)
        if parameter["in"] in ("path", "query"):
            names.add(sanitized(parameter["name"]))
    for media, body in deref(spec, operation.get("requestBody", {})).get("content", {}).items():
        if media == "application/json" or media.startswith("multipart/"):
            names.add("body")  # connexion passes a multipart body's fields as ``body`` too
        if media.startswith("multipart/"):
            names.update(sanitized(name) for name in deref(spec, body.get("schema", {})).get("properties", {}))
    return names


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    state = FakeState(Config())
    yield state
    state.close()


def every_operation(state):
    for name, api in APIS.items():
        spec = load_spec(api.spec)
        # an API served by its own layer (the workflow server) keeps its handlers on the layer's api
        adapter = api.adapter(state) if api.adapter is not None else api.layer(None, state).api
        for path, method, operation, shared in operations(spec):
            yield name, spec, adapter, api, path, method, operation, shared


def test_every_operation_has_a_handler(state):
    missing = [
        f"{name}: {method.upper()} {path} ({operation['operationId']})"
        for name, _, adapter, _, path, method, operation, _ in every_operation(state)
        if not callable(getattr(adapter, operation["operationId"], None))
    ]
    assert missing == []


def test_every_parameter_a_handler_names_is_one_its_operation_gives(state):
    unknown = []
    for name, spec, adapter, api, _, _, operation, shared in every_operation(state):
        handler = getattr(adapter, operation["operationId"], None)
        if handler is None or api.layer is not None:  # a layer's handlers read the request whole, as the real server
            continue
        named = {p.name for p in inspect.signature(handler).parameters.values() if p.kind is not p.VAR_KEYWORD}
        given = given_parameters(spec, operation, shared)
        if named - given:
            unknown.append(f"{name}: {operation['operationId']} names {sorted(named - given)}, not in its operation")
    assert unknown == [], "\n".join(unknown)


def test_every_json_body_has_a_model(state):
    missing = []
    for name, spec, _, api, path, method, operation, _ in every_operation(state):
        content = deref(spec, operation.get("requestBody", {})).get("content", {})
        if "application/json" in content:
            entry = api.operations.OPERATIONS[operation["operationId"]]
            if entry.body_schema is None:
                missing.append(f"{name}: {method.upper()} {path} ({operation['operationId']})")
    assert missing == []


def test_the_admin_client_covers_every_operation_of_the_admin_api():
    """mockserver.testing.AdminClient is written by hand: each operation of openapi/admin.yaml is one
    of its calls (``self._call(METHOD, path)``, a path parameter written ``{...}``)."""
    source = inspect.getsource(AdminClient)
    called = {
        (method.lower(), re.sub(r"\{[^}]*\}", "{}", path))
        for method, path in re.findall(r'self\._call\(\s*"([A-Z]+)",\s*f?"([^"]+)"', source)
    }
    spec = load_spec(APIS["admin.yaml"].spec)
    missing = [
        f"{method.upper()} {path} ({operation['operationId']})"
        for path, method, operation, _ in operations(spec)
        if (method, re.sub(r"\{[^}]*\}", "{}", path)) not in called
    ]
    assert missing == []
