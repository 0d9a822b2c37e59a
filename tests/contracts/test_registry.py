"""The registry of APIs (mockserver/registry.py) is the one list: what it says is what is served.

The toy API proves what adding an API takes: a spec (tests/contracts/toy/toy.yaml), its generated package
(`make generate` writes it; here codegen writes it in a temporary folder), an adapter (here, in this
module) and one registry row, with no other file of the product touched. It is served (connexion
and the fast path), its paths need the key its row says, and fault rules and the journal know its
operations by their operationId.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import generated
from mockserver import codegen, registry
from mockserver.app import create_app
from mockserver.config import Config
from mockserver.domain.errors import NotFound
from mockserver.fastpath import FastPathMiddleware
from tests.support import AUTH

TOY_SPEC = Path(__file__).parent / "toy" / "toy.yaml"
TOY = registry.Api("toy", "toy.yaml", adapter=f"{__name__}:adapter", auth=registry.Auth("/toy/"))


class ToyApi:
    def __init__(self) -> None:
        self.things: dict[str, dict] = {}

    async def create_toy_thing(self, body, project_id: str | None = None) -> dict:
        thing = {"id": f"thing-{len(self.things) + 1}", "name": body.name}
        self.things[thing["id"]] = thing
        return thing

    async def get_toy_thing(self, thing_id: str, project_id: str | None = None) -> dict:
        if thing_id not in self.things:
            raise NotFound("Thing", thing_id)
        return self.things[thing_id]


def adapter(state) -> ToyApi:
    return ToyApi()


@pytest.fixture(scope="module")
def toy_package(tmp_path_factory):
    """generated/toy, as `make generate` would write it from the toy's registry row, in a temporary folder."""
    folder = tmp_path_factory.mktemp("generated")
    codegen.generate_package(TOY_SPEC, folder / TOY.name, TOY.spec)
    generated.__path__.append(str(folder))
    yield
    generated.__path__.remove(str(folder))
    for name in [name for name in sys.modules if name.startswith(TOY.package)]:
        del sys.modules[name]


@pytest.fixture(params=[True, False], ids=["fast path", "connexion"])
def toy_client(request, toy_package):
    app = create_app(Config(validate_responses=True, fast_path=request.param), apis=(*registry.APIS, TOY))
    with app.test_client(headers=AUTH) as client:
        yield client


def test_a_registered_api_is_served(toy_client):
    made = toy_client.post("/toy/things", json={"name": "kite"})
    assert made.status_code == 200 and made.json() == {"id": "thing-1", "name": "kite"}
    assert toy_client.get("/toy/things/thing-1").json() == {"id": "thing-1", "name": "kite"}
    missing = toy_client.get("/toy/things/nope")
    assert missing.status_code == 404 and missing.json() == {"detail": "Thing 'nope' not found"}
    # its body model comes from its generated package, strict as every body
    refused = toy_client.post("/toy/things", json={"name": 5})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "name"]
    # the APIs already there are still served beside it
    assert toy_client.get("/api/v1/projects").status_code == 200


def test_the_fast_path_routes_it_from_the_route_table(toy_package):
    app = create_app(Config(fast_path=True), apis=(*registry.APIS, TOY))
    with app.test_client(headers=AUTH) as client:
        client.get("/api/v1/projects")  # builds the middleware stack
        stack = client.app.middleware.middleware_stack
        fast_path = next(layer for layer in stack if isinstance(layer, FastPathMiddleware))
        assert fast_path.route("GET", "/toy/things/thing-1")[0].operation_id == "get_toy_thing"
        assert fast_path.route("POST", "/toy/things")[0].operation_id == "create_toy_thing"
        assert fast_path.route("DELETE", "/toy/things/thing-1") is None  # a method it does not have: connexion's 405


def test_its_paths_need_the_key_its_row_says(toy_client):
    answer = toy_client.get("/toy/things/thing-1", headers={"Authorization": ""})
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


def test_fault_rules_and_the_journal_know_its_operations(toy_client):
    rule = toy_client.post("/_mock/faults", json={"operation": "get_toy_thing", "status": 503, "times": 1})
    assert rule.status_code == 200, rule.text
    toy_client.post("/toy/things", json={"name": "kite"})
    statuses = [toy_client.get("/toy/things/thing-1").status_code for _ in range(2)]
    assert statuses == [503, 200]
    journal = toy_client.get("/_mock/requests", params={"operation": "get_toy_thing"}).json()
    assert [(e["operation"], e["status"]) for e in journal["items"]] == [("get_toy_thing", 503), ("get_toy_thing", 200)]
    made = toy_client.get("/_mock/requests", params={"operation": "create_toy_thing"}).json()["items"]
    assert [(e["method"], e["path"]) for e in made] == [("POST", "/toy/things")]


def test_an_api_not_registered_is_not_known(toy_package):
    with create_app(Config()).test_client(headers=AUTH) as client:
        refused = client.post("/_mock/faults", json={"operation": "get_toy_thing", "status": 503})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "operation"]
        assert client.get("/toy/things/thing-1").status_code == 404


# ------------------------------------------------------------------ the registry itself
def test_every_row_names_what_serves_it_and_its_generated_package():
    for api in registry.APIS:
        assert bool(api.adapter) != bool(api.layer), api.name  # one or the other
        assert callable(registry.resolve(api.adapter or api.layer)), api.name
        assert api.operations.OPERATIONS, api.name
        assert api.document()["paths"], api.name
        assert api.operations.BASE_PATH == registry.base_path(api.document())
    assert [api.name for api in registry.APIS] == list(codegen.SPECS.values())
    assert codegen.DERIVED == {"seed/llamaextract-api.yaml": "derived/seed-3.0.yaml"}


def test_profiles_and_the_route_table():
    assert registry.profile_names() == ["default", "seed"]
    assert [api.name for api in registry.profile("seed").apis] == ["admin", "seed"]
    assert registry.profile("seed").error_statuses == {422: 400, 413: 400, 409: 400}
    assert registry.profile("default").error_statuses == {}
    routes = registry.route_table([registry.by_name("seed")])
    assert registry.Route("GET", "/api/v1/extraction/extraction-agents", "listExtractionAgents", "seed") in routes
    assert len(routes) == len(registry.by_name("seed").operations.OPERATIONS)
    with pytest.raises(KeyError, match="profiles are default, seed"):
        registry.profile("nope")


def test_the_contract_targets_are_the_registry_apis_but_the_controls():
    contracts = pytest.importorskip("contracts.targets")
    targets = contracts.all_targets()
    assert list(targets) == [api.name for api in registry.APIS if not api.controls]
    assert targets["seed"].spec.name == "llamaextract-api.yaml" and targets["seed"].profile == "seed"
    assert targets["seed"].base_path == "/api/v1" and targets["agent_data"].base_path == ""


def test_the_registry_imports_only_the_standard_library():
    # codegen reads it before generated/ exists; adapters and layers are import strings
    import ast

    tree = ast.parse(Path(registry.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}
