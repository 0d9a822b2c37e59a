"""Every spec the fake serves is a valid OpenAPI document (the app skips this check at start-up)."""

from __future__ import annotations

import pytest
from connexion.spec import OpenAPISpecification

from mockserver import registry


@pytest.mark.parametrize("spec", sorted(api.spec for api in registry.APIS))
def test_spec_validates_against_the_openapi_metaschema(spec):
    document = registry.by_spec(spec).document()
    OpenAPISpecification._validate_spec(document)  # raises InvalidSpecification with the path
    assert document["openapi"].startswith("3.0.")


def test_a_broken_spec_is_caught():
    document = registry.APIS[0].document()
    broken = {**document, "paths": {"/x": {"get": {"responses": {"200": {"description": 5}}}}}}
    with pytest.raises(Exception, match="is not valid under any of the given schemas"):
        OpenAPISpecification._validate_spec(broken)
