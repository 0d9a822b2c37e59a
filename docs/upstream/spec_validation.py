"""connexion 3.3: every API's spec is checked against the OpenAPI metaschema when it is added,
with no way to turn the check off for a spec already known to be valid.

``Specification.__init__`` calls ``_validate_spec`` unconditionally, and ``add_api`` has no option
for it (an unknown keyword such as ``validate_spec=False`` is kept for the middlewares, and the
spec is checked all the same). The script also times ``Specification.from_dict`` with and without
the check, which is most of the time ``add_api`` takes.

Exit status 0 while the check cannot be skipped, 1 once ``validate_spec=False`` skips it.
"""

import sys
import time

from connexion import AsyncApp
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification, Specification


def spec(operations: int) -> dict:
    item = {"type": "object", "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}}
    paths = {
        f"/things{i}/{{thing_id}}": {
            "get": {
                "operationId": f"get_thing{i}",
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": item}}}},
            }
        }
        for i in range(operations)
    }
    return {"openapi": "3.0.3", "info": {"title": "things", "version": "1"}, "paths": paths}


# a spec that breaks the metaschema (a response without its required "description") is refused
# even when the caller asks for no check
broken = spec(1)
del broken["paths"]["/things0/{thing_id}"]["get"]["responses"]["200"]["description"]
app = AsyncApp(__name__)
try:
    app.add_api(broken, validate_spec=False)  # the spec is loaded and checked here
    skipped = True
except InvalidSpecification:
    skipped = False


def load_time(skip_check: bool, document: dict) -> float:
    own = OpenAPISpecification.__dict__.get("_validate_spec")
    if skip_check:
        OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        started = time.perf_counter()
        Specification.from_dict(document)
        return time.perf_counter() - started
    finally:
        if skip_check and own is None:
            del OpenAPISpecification._validate_spec


document = spec(50)
with_check = min(load_time(False, document) for _ in range(3))
without = min(load_time(True, document) for _ in range(3))
print(f"Specification.from_dict, 50 operations: {with_check * 1000:.0f} ms, {without * 1000:.0f} ms without the check")
print("not reproduced: the check can be skipped" if skipped else "reproduced: the check cannot be skipped")
sys.exit(1 if skipped else 0)
