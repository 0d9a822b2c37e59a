"""connexion 3.3: the validators of an operation are built again for every request and response.

``ResponseValidationOperation.__call__`` instantiates the response body validator of the
``validator_map`` for every response, whose ``validator`` property builds a new jsonschema
validator on every access; ``RequestValidationOperation.__call__`` builds the URI parser, the
parameter validator and the body validator for every request, and
``ParameterValidator.validate_parameter`` a ``Draft4Validator`` per parameter and request.
None of them depends on anything but the operation.

The script counts the validators built for the same request sent 10 times. Exit status 0 while
connexion builds one per request, 1 once it builds them once per operation.
"""

import sys
from collections import Counter

from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, JSONResponseBodyValidator, ParameterValidator

built = Counter()


class CountedRequestBody(JSONRequestBodyValidator):
    def __init__(self, *args, **kwargs):
        built["request body validator"] += 1
        super().__init__(*args, **kwargs)


class CountedResponseBody(JSONResponseBodyValidator):
    def __init__(self, *args, **kwargs):
        built["response body validator"] += 1
        super().__init__(*args, **kwargs)

    @property
    def validator(self):
        built["response jsonschema validator"] += 1
        return super().validator


class CountedParameters(ParameterValidator):
    def __init__(self, *args, **kwargs):
        built["parameter validator"] += 1
        super().__init__(*args, **kwargs)


thing = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
json_content = {"application/json": {"schema": thing}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "things", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "create_thing",
                "parameters": [{"name": "dry_run", "in": "query", "schema": {"type": "boolean"}}],
                "requestBody": {"required": True, "content": json_content},
                "responses": {"200": {"description": "ok", "content": json_content}},
            }
        }
    },
}


async def create_thing(body, dry_run=False):
    return body


app = AsyncApp(__name__)
app.add_api(
    SPEC,
    resolver=lambda operation_id: create_thing,
    validate_responses=True,
    validator_map={
        **VALIDATOR_MAP,
        "parameter": CountedParameters,
        "body": MediaTypeDict({"*/*json": CountedRequestBody}),
        "response": MediaTypeDict({"*/*json": CountedResponseBody}),
    },
)
client = app.test_client()
REQUESTS = 10
for _ in range(REQUESTS):
    assert client.post("/things?dry_run=true", json={"name": "x"}).status_code == 200
print(dict(built), f"for {REQUESTS} requests")
reproduced = all(count >= REQUESTS for count in built.values()) and len(built) == 4
print("reproduced: built once per request" if reproduced else "not reproduced: built once per operation?")
sys.exit(0 if reproduced else 1)
