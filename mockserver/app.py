"""``create_app(config)``: the fake as an ASGI application (connexion AsyncApp)."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from connexion import AsyncApp
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.routing import RoutingMiddleware as ConnexionRoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware as ConnexionServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.spec import OpenAPISpecification

from mockserver import registry
from mockserver.admin.middleware import HarnessMiddleware
from mockserver.admin.operations import OperationIndex
from mockserver.api.lenient import lenient
from mockserver.auth import BearerAuthMiddleware
from mockserver.config import Config
from mockserver.errors import ServerErrorMiddleware, error_handlers
from mockserver.fastpath import FastPathMiddleware
from mockserver.limits import RequestLimits
from mockserver.routing import VALIDATOR_MAP, Handlers, RoutingMiddleware
from mockserver.state import FakeState
from mockserver.ui import DashboardMiddleware

# The specs: openapi/ at the project's root, also reached as mockserver/openapi (a symbolic link
# to it in the project; in an installed package, the copy the wheel carries as package data).
OPENAPI_DIR = Path(__file__).resolve().parent / "openapi"

# connexion's stack without its security layer (BearerAuthMiddleware authenticates, before
# routing) and without Swagger UI (several specs share the root path), its routing made to reach
# every spec under that shared path (see mockserver.routing.RoutingMiddleware), its last resort
# answering in the API's shape (mockserver.errors.ServerErrorMiddleware).
MIDDLEWARES = [
    {ConnexionRoutingMiddleware: RoutingMiddleware, ConnexionServerErrorMiddleware: ServerErrorMiddleware}.get(m, m)
    for m in ConnexionMiddleware.default_middlewares
    if m not in (SecurityMiddleware, SwaggerUIMiddleware)
]


@contextlib.contextmanager
def _specs_trusted():
    """Skip connexion's check of our specs against the OpenAPI metaschema while they are added.

    The check costs about 0.3 s at every start (a third of the start-up budget) and can only fail
    on a spec edit: tests/contracts/test_specs.py runs it on every spec instead.
    """
    own = OpenAPISpecification.__dict__.get("_validate_spec")  # usually inherited, so None
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        if own is None:
            del OpenAPISpecification._validate_spec
        else:
            OpenAPISpecification._validate_spec = own


def create_app(
    config: Config | None = None, state: FakeState | None = None, apis: tuple[registry.Api, ...] = registry.APIS
) -> AsyncApp:
    """The fake serving the APIs of ``apis`` (the registry's, mockserver/registry.py) that its profile names."""
    config = config or Config()
    state = state or FakeState(config)
    profile = registry.profile(config.profile, apis)
    # the one route table: what the fast path routes, and which operation a request is for fault
    # rules and the journal (mockserver/admin/operations.py; built on first use: only they need it)
    routes = registry.route_table(profile.apis)
    controls = {api.name for api in profile.apis if api.controls}
    state.operations = functools.cache(
        functools.partial(OperationIndex, [route for route in routes if route.api not in controls])
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        async with state.webhooks.running():  # deliveries in the background (mockserver/domain/webhooks.py)
            yield
        state.close()

    # outermost: the version header, the admin key, the request journal and fault rules
    harness = functools.partial(
        HarnessMiddleware,
        journal=state.journal,
        faults=state.faults,
        operations=state.operations,
        admin_key=config.admin_key,
    )
    # the door: body size and nesting limits, before anything reads a body (mockserver/limits.py)
    door = functools.partial(
        RequestLimits,
        max_body_size=config.max_body_size,
        max_json_depth=config.max_json_depth,
        statuses=profile.error_statuses,
    )
    errors = error_handlers(profile.error_statuses)
    # Outermost first: the door, the harness, authentication (the paths each API's row says need a
    # key), the layers of the APIs that serve themselves, then the fast path, which serves valid
    # requests of plain operations before connexion's error layers and routing, and renders their
    # errors with the same handlers (mockserver/fastpath.py).
    layers = [door, harness, functools.partial(BearerAuthMiddleware, api_keys=config.api_keys, rules=profile.auth)]
    layers += [functools.partial(api.make_layer, state=state) for api in profile.apis if api.layer]
    # the APIs connexion serves: their specs, and their handlers (one binding per operation,
    # connexion's and the fast path's)
    specs: dict[str, dict] = {}
    resolvers: dict[str, Handlers] = {}
    for api in (api for api in profile.apis if not api.layer):
        adapter = api.make_adapter(state)
        specs[api.name] = api.document()
        resolvers[api.name] = Handlers(lenient(adapter, state) if config.lenient else adapter, api.operations)
    if config.fast_path:
        fast_path = functools.partial(
            FastPathMiddleware,
            routes=routes,
            specs=specs,
            handlers=resolvers,
            error_handlers=errors,
            validate_responses=config.validate_responses,
        )
        layers.append(fast_path)
    layers.insert(0, DashboardMiddleware)  # before all: the dashboard's pages (mockserver/ui) need no key
    app = AsyncApp(__name__, specification_dir=OPENAPI_DIR, lifespan=lifespan, middlewares=[*layers, *MIDDLEWARES])
    with _specs_trusted():
        for name, spec in specs.items():
            app.add_api(
                spec,
                resolver=resolvers[name],
                validate_responses=config.validate_responses,
                validator_map=VALIDATOR_MAP,
            )
    for exception, handler in errors:
        app.add_error_handler(exception, handler)
    app.state = state  # for tests and the admin API
    return app
