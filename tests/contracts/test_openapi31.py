"""The seed spec (OpenAPI 3.1) and the 3.0 document derived from it for connexion mean the same thing."""

from __future__ import annotations

import copy

import pytest
import yaml
from connexion.spec import OpenAPISpecification

from mockserver import codegen
from mockserver.openapi31 import UnsupportedFeature, downgrade, normalize31, upgrade

SEED = codegen.OPENAPI / "seed" / "llamaextract-api.yaml"
DERIVED = codegen.OPENAPI / "derived" / "seed-3.0.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


def document(schemas: dict, **extra) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
        **extra,
    }


def test_the_derived_file_is_what_make_generate_writes_from_the_published_seed():
    assert DERIVED.read_text() == codegen.derived_source("seed/llamaextract-api.yaml")
    assert DERIVED.read_text().startswith("# Derived by `make generate` from openapi/seed/llamaextract-api.yaml")


def test_the_derived_document_is_valid_openapi_3_0_for_connexion():
    derived = yaml.safe_load(DERIVED.read_text())
    assert derived["openapi"] == "3.0.3"
    OpenAPISpecification._validate_spec(derived)  # connexion's metaschema check; raises when invalid


def test_the_derived_document_has_the_same_paths_operations_parameters_and_schemas():
    seed, derived = yaml.safe_load(SEED.read_text()), yaml.safe_load(DERIVED.read_text())
    assert list(derived["paths"]) == list(seed["paths"])
    for path, item in seed["paths"].items():
        for method in METHODS:
            assert (method in item) == (method in derived["paths"][path])
            if method in item:
                ours, theirs = derived["paths"][path][method], item[method]
                assert ours["operationId"] == theirs["operationId"]
                assert ours.get("parameters") == theirs.get("parameters")
                assert ours.get("requestBody") == theirs.get("requestBody")
                assert ours["responses"] == theirs["responses"]
    assert derived["components"] == seed["components"]
    assert derived["servers"] == seed["servers"]  # served under /api/v1, the servers' path
    assert derived["security"] == seed["security"]
    operation_ids = [o["operationId"] for item in seed["paths"].values() for m, o in item.items() if m in METHODS]
    assert len(operation_ids) == 9


def test_upgrading_the_derived_document_gives_back_the_published_one():
    seed = yaml.safe_load(SEED.read_text())
    assert upgrade(yaml.safe_load(DERIVED.read_text())) == normalize31(seed)


def test_nullable_type_lists_become_nullable():
    out = downgrade(document({"A": {"type": ["string", "null"], "maxLength": 3}}))
    assert out["openapi"] == "3.0.3"
    assert out["components"]["schemas"]["A"] == {"type": "string", "maxLength": 3, "nullable": True}


def test_several_types_become_an_any_of_and_null_alone_a_nullable_null_enum():
    out = downgrade(document({"A": {"type": ["integer", "string"]}, "N": {"type": "null"}}))
    assert out["components"]["schemas"]["A"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert out["components"]["schemas"]["N"] == {"enum": [None], "nullable": True}


def test_const_examples_exclusive_bounds_and_content_keywords():
    schemas = {
        "C": {"const": "x"},
        "E": {"type": "integer", "examples": [1, 2, 3]},
        "B": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "F": {"type": "string", "contentMediaType": "application/octet-stream"},
        "D": {"type": "string", "contentEncoding": "base64", "$comment": "dropped"},
    }
    out = downgrade(document(schemas))["components"]["schemas"]
    assert out["C"] == {"enum": ["x"]}
    assert out["E"] == {"type": "integer", "example": 1, "x-examples": [2, 3]}
    assert out["B"] == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 10,
        "exclusiveMaximum": True,
    }
    assert out["F"] == {"type": "string", "format": "binary"}
    assert out["D"] == {"type": "string", "format": "byte"}


def test_a_ref_beside_keywords_and_null_members_of_any_of():
    schemas = {
        "R": {"$ref": "#/components/schemas/C", "description": "with a sibling"},
        "U": {"anyOf": [{"$ref": "#/components/schemas/C"}, {"type": "null"}]},
        "P": {"type": "object", "properties": {"x": {"type": ["array", "null"], "items": {"const": 1}}}},
        "C": {"type": "string"},
    }
    out = downgrade(document(schemas))["components"]["schemas"]
    assert out["R"] == {"description": "with a sibling", "allOf": [{"$ref": "#/components/schemas/C"}]}
    assert out["U"] == {"anyOf": [{"$ref": "#/components/schemas/C"}], "nullable": True}
    assert out["P"]["properties"]["x"] == {"type": "array", "items": {"enum": [1]}, "nullable": True}


def test_schemas_in_parameters_bodies_and_responses_are_converted_too():
    operation = {
        "parameters": [{"name": "q", "in": "query", "schema": {"type": ["integer", "null"]}}],
        "requestBody": {"content": {"application/json": {"schema": {"const": 1}}}},
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": ["string", "null"]}}}}
        },
    }
    out = downgrade(document({}, paths={"/x": {"get": operation}}))["paths"]["/x"]["get"]
    assert out["parameters"][0]["schema"] == {"type": "integer", "nullable": True}
    assert out["requestBody"]["content"]["application/json"]["schema"] == {"enum": [1]}
    assert out["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "string", "nullable": True}


def test_a_round_trip_keeps_the_meaning_of_every_feature():
    schemas = {
        "A": {"type": ["string", "null"]},
        "B": {"type": ["integer", "string", "null"]},
        "C": {"const": 3},
        "E": {"type": "integer", "examples": [1, 2]},
        "X": {"type": "number", "exclusiveMinimum": 0},
        "R": {"$ref": "#/components/schemas/A", "description": "d"},
        "U": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
    }
    original = document(schemas)
    assert upgrade(downgrade(copy.deepcopy(original))) == normalize31(original)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"prefixItems": [{"type": "string"}]}, "prefixItems"),
        ({"if": {"type": "string"}, "then": {"minLength": 1}}, "'if'"),
        ({"patternProperties": {"^x": {}}}, "patternProperties"),
        ({"type": "number", "exclusiveMinimum": 0, "minimum": 1}, "keeps only one bound"),
    ],
)
def test_what_3_0_cannot_say_is_refused_with_its_place(schema, message):
    with pytest.raises(UnsupportedFeature, match=message) as error:
        downgrade(document({"S": schema}))
    assert str(error.value).startswith("components/schemas/S")


def test_webhooks_and_non_3_1_documents_are_refused():
    with pytest.raises(UnsupportedFeature, match="webhooks"):
        downgrade(document({}, webhooks={"w": {}}))
    with pytest.raises(UnsupportedFeature, match="expected an OpenAPI 3.1 document"):
        downgrade({"openapi": "3.0.3", "info": {}, "paths": {}})
