"""connexion 3.3: of three APIs added under the same base path, the second is unreachable.

Each API answers GET /<name>. RoutingMiddleware.add_api chains a new API after the ones mounted at
its base path by setting their routers' ``default`` to its own, so the third API replaces the
second as the first one's fallback (and the second's own mount is shadowed by the first's).

Exit status 0 while connexion behaves so (it prints the statuses), 1 once all three answer 200.
"""

import sys

from connexion import AsyncApp


def spec(name: str) -> dict:
    operation = {"operationId": name, "responses": {"200": {"description": "ok"}}}
    return {"openapi": "3.0.3", "info": {"title": name, "version": "1"}, "paths": {f"/{name}": {"get": operation}}}


async def first():
    return {"api": "first"}


async def second():
    return {"api": "second"}


async def third():
    return {"api": "third"}


HANDLERS = {"first": first, "second": second, "third": third}

app = AsyncApp(__name__)
for name in HANDLERS:
    app.add_api(spec(name), resolver=HANDLERS.__getitem__)  # all three under the base path ""

client = app.test_client()
statuses = {name: client.get(f"/{name}").status_code for name in HANDLERS}
print(statuses)
reproduced = statuses == {"first": 200, "second": 404, "third": 200}
print("reproduced: the second API is unreachable" if reproduced else "not reproduced: fixed upstream?")
sys.exit(0 if reproduced else 1)
