"""``create_app(config)``: the fake as an ASGI application (connexion AsyncApp)."""

from __future__ import annotations

import contextlib
import copy
import functools
from pathlib import Path

import yaml
from connexion import AsyncApp
from connexion.middleware import ConnexionMiddleware, MiddlewarePosition
from connexion.middleware.routing import RoutingMiddleware as ConnexionRoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

from mockserver.api import API_SPECS
from mockserver.auth import BearerAuthMiddleware
from mockserver.config import Config
from mockserver.errors import ERROR_HANDLERS
from mockserver.routing import VALIDATOR_MAP, RoutingMiddleware, resolver_for
from mockserver.state import FakeState

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"

# connexion's stack without its security layer (BearerAuthMiddleware authenticates, before
# routing) and without Swagger UI (several specs share the root path), its routing made to reach
# every spec under that shared path (see mockserver.routing.RoutingMiddleware).
MIDDLEWARES = [
    RoutingMiddleware if m is ConnexionRoutingMiddleware else m
    for m in ConnexionMiddleware.default_middlewares
    if m not in (SecurityMiddleware, SwaggerUIMiddleware)
]


@functools.cache
def load_spec(name: str) -> dict:
    """A spec of openapi/, parsed once per process, by libyaml when present (9 times faster than
    the pure-Python parser connexion would use on a file name)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((OPENAPI_DIR / name).read_text(), Loader=loader)


def create_app(config: Config | None = None, state: FakeState | None = None) -> AsyncApp:
    config = config or Config()
    state = state or FakeState(config)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        state.close()

    app = AsyncApp(__name__, specification_dir=OPENAPI_DIR, lifespan=lifespan, middlewares=list(MIDDLEWARES))
    for api in API_SPECS:
        app.add_api(
            copy.deepcopy(load_spec(api.spec)),
            resolver=resolver_for(api.adapter(state), api.operations),
            validate_responses=config.validate_responses,
            validator_map=VALIDATOR_MAP,
        )
    for exception, handler in ERROR_HANDLERS:
        app.add_error_handler(exception, handler)
    app.add_middleware(BearerAuthMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, api_keys=config.api_keys)
    app.state = state  # for tests and the admin API
    return app
