"""A sweep over every operation of every spec, in the spirit of stripe-mock's "every resource can be
generated" and moto's implementation coverage: each test names the operations it fails on.

* every operation has a handler on its adapter (not the generated stub that answers 501);
* each handler's parameters are exactly the arguments its operation gives, no more, no fewer, and
  no ``**kwargs`` swallowing the rest: a parameter added or renamed in a spec fails here rather
  than being silently ignored. The arguments an operation gives (``handler_arguments``):

  - each path and query parameter, by the Python name connexion gives it
    (``connexion.decorators.parameter.sanitized``); header and cookie parameters are not
    arguments (connexion passes none: the handler that needs one reads the request);
  - ``body``, when it has a request body: JSON, parsed and validated by its generated model; of a
    multipart body, the fields that are not files (``body`` is left out when all are files);
  - each file a multipart body declares (``format: binary``), by its field name, as a starlette
    ``UploadFile``;
  - ``project_id``, whether or not the operation declares it, if the handler names it: routing
    passes the project the request names (``mockserver.routing.requested_project``) to the handlers
    that name it, and only to them. A handler of an operation that declares ``project_id`` must
    name it, as any other parameter.

  Both request paths call a handler with nothing else: connexion passes a handler the arguments its
  signature names (``mockserver.routing.Handlers``: a query parameter, a file part or a body the
  handler does not name is left out), and the fast path passes an operation's path and query
  parameters and its JSON body, all of which the handler names (checked here). The workflow
  server's handlers are not checked: its layer hands each the request whole, as the real server;
* lenient mode's wrappers keep the signature of the handlers they wrap (both request paths read it);
* every JSON body has a request model.
"""

from __future__ import annotations

import inspect
import re

import pytest
from connexion.decorators.parameter import sanitized

from mockserver import registry
from mockserver.api.lenient import MATERIALIZED_READS, lenient
from mockserver.config import Config
from mockserver.state import FakeState
from mockserver.testing import AdminClient

METHODS = ("get", "put", "post", "delete", "patch")
APIS = {api.spec: api for api in registry.APIS}


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


def is_file(schema: dict) -> bool:
    return schema.get("format") == "binary" or ("items" in schema and is_file(schema["items"]))


def handler_arguments(spec: dict, operation: dict, shared: list) -> set[str]:
    """The arguments a handler of ``operation`` is given, ``project_id`` aside (see the docstring)."""
    names = set()
    for parameter in [*shared, *operation.get("parameters", [])]:
        parameter = deref(spec, parameter)
        if parameter["in"] in ("path", "query"):
            names.add(sanitized(parameter["name"]))
    for media, content in deref(spec, operation.get("requestBody", {})).get("content", {}).items():
        if not media.startswith("multipart/"):
            names.add("body")
            continue
        fields = deref(spec, content.get("schema", {})).get("properties", {})
        files = {name for name, schema in fields.items() if is_file(deref(spec, schema))}
        names |= files  # connexion passes file parts by their field names, unsanitized
        if set(fields) - files:
            names.add("body")
    return names


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    state = FakeState(Config())
    yield state
    state.close()


def every_operation(state):
    for name, api in APIS.items():
        spec = api.document()
        # an API served by its own layer (the workflow server) keeps its handlers on the layer's api
        adapter = api.make_adapter(state) if api.adapter else api.make_layer(None, state).api
        for path, method, operation, shared in operations(spec):
            yield name, spec, adapter, api, path, method, operation, shared


def test_every_operation_has_a_handler(state):
    missing = [
        f"{name}: {method.upper()} {path} ({operation['operationId']})"
        for name, _, adapter, _, path, method, operation, _ in every_operation(state)
        if not callable(getattr(adapter, operation["operationId"], None))
    ]
    assert missing == []


def test_each_handler_takes_exactly_the_arguments_its_operation_gives(state):
    wrong = []
    for name, spec, adapter, api, _, _, operation, shared in every_operation(state):
        handler = getattr(adapter, operation["operationId"], None)
        if handler is None or api.layer:  # a layer's handlers read the request whole, as the real server
            continue
        parameters = inspect.signature(handler).parameters.values()
        swallowing = [p.name for p in parameters if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
        named = {p.name for p in parameters} - set(swallowing)
        given = handler_arguments(spec, operation, shared)
        lacking, unknown = given - named, named - given - {"project_id"}
        problems = [
            *([f"swallows the rest in **{', '.join(swallowing)}"] if swallowing else []),
            *([f"lacks {sorted(lacking)}, given by its operation"] if lacking else []),
            *([f"names {sorted(unknown)}, not in its operation"] if unknown else []),
        ]
        if problems:
            wrong.append(f"{name}: {operation['operationId']} " + "; ".join(problems))
    assert wrong == [], "\n".join(wrong)


def test_lenient_handlers_keep_the_parameters_of_the_handlers_they_wrap(state):
    wrapped = set()
    for api in APIS.values():
        if not api.adapter:
            continue
        strict, lenient_ = api.make_adapter(state), lenient(api.make_adapter(state), state)
        for operation_id in api.operations.OPERATIONS:
            handler, wrapper = getattr(strict, operation_id, None), getattr(lenient_, operation_id, None)
            if handler is None:
                continue
            assert inspect.signature(wrapper) == inspect.signature(handler), operation_id
            if operation_id in vars(lenient_):  # wrapped in place
                wrapped.add(operation_id)
    assert wrapped == set(MATERIALIZED_READS)


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
    spec = APIS["admin.yaml"].document()
    missing = [
        f"{method.upper()} {path} ({operation['operationId']})"
        for path, method, operation, _ in operations(spec)
        if (method, re.sub(r"\{[^}]*\}", "{}", path)) not in called
    ]
    assert missing == []


@pytest.mark.parametrize("fast_path", [True, False])
def test_what_an_operation_does_not_declare_is_left_out_on_both_request_paths(make_client, fast_path):
    """Handlers take no ``**kwargs``: a query parameter, a file part or a form field a client sends
    but the operation does not declare reaches no handler (connexion passes a handler what its
    signature names; the fast path reads only the declared parameters), and is no 500."""
    client = make_client(fast_path=fast_path)
    created = client.post(
        "/api/v1/beta/agent-data", params={"unknown": "1"}, json={"deployment_name": "d", "data": {"n": 1}}
    )
    assert created.status_code == 200, created.text
    read = client.get(f"/api/v1/beta/agent-data/{created.json()['id']}", params={"unknown": "1", "expand": "x"})
    assert (read.status_code, read.json()) == (200, created.json())
    uploaded = client.post(
        "/api/v1/files",
        params={"unknown": "1"},
        data={"stray": "field"},
        files={"upload_file": ("a.txt", b"abc", "text/plain"), "attachment": ("b.txt", b"de", "text/plain")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert (uploaded.json()["name"], uploaded.json()["file_size"]) == ("a.txt", 3)
    beta = client.post(
        "/api/v1/beta/files",
        data={"purpose": "extract", "stray": "field"},
        files={"file": ("c.txt", b"fghi", "text/plain"), "attachment": ("d.txt", b"j", "text/plain")},
    )
    assert beta.status_code == 200, beta.text
    assert (beta.json()["name"], beta.json()["purpose"]) == ("c.txt", "extract")
    listed = client.get("/api/v1/files")
    assert sorted((f["name"], f["file_size"]) for f in listed.json()) == [("a.txt", 3), ("c.txt", 4)]
