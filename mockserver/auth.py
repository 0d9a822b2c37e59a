"""Bearer-token authentication for the paths the APIs served say need a key (``Auth`` in
mockserver/registry.py: everything under /api/ for LlamaCloud), as an ASGI middleware.

It runs before routing, so an unauthenticated request learns nothing about which paths exist,
and it answers 401 in the real API's shape (``{"detail": "..."}``).
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.registry import CLOUD_AUTH, Auth


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class BearerAuthMiddleware:
    def __init__(self, app: ASGIApp, api_keys: tuple[str, ...] = (), rules: tuple[Auth, ...] = (CLOUD_AUTH,)):
        self.app = app
        self.api_keys = frozenset(api_keys)
        # str.startswith takes a tuple: paths under these always need a key; under those, only
        # when the server has keys, CORS preflights excepted (Auth.always)
        self.always = tuple(rule.prefix for rule in rules if rule.always)
        self.keyed = tuple(rule.prefix for rule in rules if not rule.always and api_keys)

    def _problem(self, token: str | None) -> str | None:
        if token is None:
            return "Missing bearer token: send the header 'Authorization: Bearer <api key>'."
        if not token or (self.api_keys and token not in self.api_keys):
            return (
                "Invalid API key: this server accepts only the keys given with --api-key."
                if self.api_keys
                else "Invalid API key: the bearer token is empty."
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            scope["path"].startswith(self.always)
            or (self.keyed and scope["path"].startswith(self.keyed) and scope["method"] != "OPTIONS")
        ):
            problem = self._problem(bearer_token(scope["headers"]))
            if problem:
                body = orjson.dumps({"detail": problem})
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
