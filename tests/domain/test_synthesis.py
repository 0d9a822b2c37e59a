"""Extraction results: schema-valid, deterministic, taken from the file where the file has them."""

from __future__ import annotations

import json

import pytest

from mockserver.domain.schemas import validator_class
from mockserver.domain.synthesis import FORMAT_CHECKER, extract, iter_leaves

INVOICE = {
    "type": "object",
    "required": ["invoice_number", "total", "paid", "currency", "vendor"],
    "properties": {
        "invoice_number": {"type": "string"},
        "total": {"type": "number", "minimum": 0},
        "quantity": {"type": "integer"},
        "paid": {"type": "boolean"},
        "currency": {"enum": ["USD", "EUR"]},
        "issued": {"type": "string", "format": "date"},
        "vendor": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "city": {"type": "string"}},
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "notes": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "discount": {"type": ["integer", "null"]},
    },
}


def errors(data, schema):
    cls = validator_class(schema)
    return [e.message for e in cls(schema, format_checker=FORMAT_CHECKER).iter_errors(data)]


# ------------------------------------------------------------------ values found in the file
def test_key_value_lines_fill_fields_with_coercion():
    text = (
        b"Invoice Number: INV-7\n"
        b"Total: $1,234.50\n"
        b"Quantity = 3\n"
        b"Paid: yes\n"
        b"Currency: eur\n"
        b"Issued: 2024-02-29\n"
        b"City: Lyon\n"
        b"Vendor Name: Globex\n"
        b"Tags: red, green; blue\n"
        b"Notes: N/A\n"
        b"Discount: none\n"
    )
    result = extract(text, INVOICE)
    assert result.data == {
        "invoice_number": "INV-7",
        "total": 1234.5,
        "quantity": 3,
        "paid": True,
        "currency": "EUR",
        "issued": "2024-02-29",
        "vendor": {"name": "Globex", "city": "Lyon"},
        "tags": ["red", "green", "blue"],
        "notes": "N/A",  # a string fits first; "N/A" reads as null only where no string may stand
        "discount": None,
    }
    assert result.found == 13 and result.synthesized == 0
    meta = result.field_metadata
    assert meta["total"]["citation"] == [{"page": 1, "matching_text": "Total: $1,234.50"}]
    assert meta["vendor"]["name"]["citation"] == [{"page": 1, "matching_text": "Vendor Name: Globex"}]
    assert [m["citation"][0]["matching_text"] for m in meta["tags"]] == ["Tags: red, green; blue"] * 3
    assert meta["paid"]["reasoning"] == "VERBATIM EXTRACTION"


def test_values_that_do_not_fit_are_synthesized_instead():
    text = b"Invoice Number: 12\nTotal: lots\nPaid: maybe\nCurrency: yen\nIssued: last tuesday\n"
    result = extract(text, INVOICE)
    assert result.data["invoice_number"] == "12"  # a number read as the string the schema wants
    assert isinstance(result.data["total"], float) and result.data["total"] >= 0
    assert result.data["currency"] in ("USD", "EUR")
    assert result.data["issued"] != "last tuesday"
    assert errors(result.data, INVOICE) == []
    for field in ("total", "paid", "currency", "issued"):
        leaf = result.field_metadata[field]
        assert leaf["citation"] == [] and 0.3 <= leaf["confidence"] <= 0.6, field


def test_a_json_document_is_walked_by_property_names():
    schema = {
        "type": "object",
        "properties": {
            "customer": {"type": "object", "properties": {"full_name": {"type": "string"}, "age": {"type": "integer"}}},
            "lines": {
                "type": "array",
                "items": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}},
            },
        },
    }
    document = {
        "customer": {"Full Name": "Ada", "age": 36.0},
        "lines": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": "5"}],
    }
    result = extract(json.dumps(document).encode(), schema)
    assert result.data == {
        "customer": {"full_name": "Ada", "age": 36},
        "lines": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 5}],
    }
    assert result.field_metadata["lines"][1]["qty"]["citation"] == [{"page": 1, "matching_text": "qty: 5"}]
    assert result.synthesized == 0


# ------------------------------------------------------------------ synthesized values
SCHEMAS = {
    "formats": {
        "type": "object",
        "properties": {
            name: {"type": "string", "format": name}
            for name in ("date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname", "duration")
        },
    },
    "numbers": {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 5, "maximum": 7},
            "b": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "c": {"type": "integer", "multipleOf": 25, "minimum": 30},
            "d": {"type": "number", "multipleOf": 0.5, "maximum": -10},
            "age": {"type": "integer", "maximum": 5},
        },
    },
    "strings": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
            "short": {"type": "string", "maxLength": 3},
            "long": {"type": "string", "minLength": 40},
            "either": {"type": "string", "pattern": "^(yes|no)$"},
        },
    },
    "arrays": {
        "type": "object",
        "properties": {
            "exactly3": {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 3},
            "unique": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2, "uniqueItems": True},
            "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "items": False},
            "empty": {"type": "array", "maxItems": 0},
        },
    },
    "combinators": {
        "type": "object",
        "properties": {
            "nullable_openapi": {"type": "string", "nullable": True},  # not JSON Schema: never null
            "type_list": {"type": ["null", "integer"]},
            "one": {"oneOf": [{"type": "integer", "minimum": 10}, {"type": "string"}]},
            "merged": {"allOf": [{"properties": {"x": {"type": "string"}}, "required": ["x"]}, {"type": "object"}]},
            "fixed": {"const": {"k": [1, 2]}},
            "single": {"enum": [42]},
        },
    },
    "recursive": {
        "$defs": {
            "Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
            }
        },
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
        "required": ["root"],
    },
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_synthesized_values_validate_and_are_deterministic(name):
    schema = SCHEMAS[name]
    first = extract(b"nothing to see here", schema)
    assert errors(first.data, schema) == []
    assert extract(b"nothing to see here", schema).data == first.data
    assert sorted(first.data) == sorted(schema["properties"])


def test_synthesized_values_honour_the_exact_constraints():
    numbers = extract(b"x", SCHEMAS["numbers"]).data
    assert 5 <= numbers["a"] <= 7 and numbers["c"] % 25 == 0 and numbers["c"] >= 30 and numbers["age"] <= 5
    arrays = extract(b"x", SCHEMAS["arrays"]).data
    assert len(arrays["exactly3"]) == 3 and sorted(arrays["unique"]) == ["a", "b"] and arrays["empty"] == []
    assert [type(v) for v in arrays["tuple"]] == [str, bool]
    combinators = extract(b"x", SCHEMAS["combinators"]).data
    assert combinators["fixed"] == {"k": [1, 2]} and combinators["single"] == 42
    assert isinstance(combinators["merged"]["x"], str) and isinstance(combinators["nullable_openapi"], str)
    recursive = extract(b"x", SCHEMAS["recursive"]).data["root"]
    assert recursive["parent"] is None  # a nullable way back into the same $ref is cut short with null
    assert recursive["children"] and all(set(child) == {"name"} for child in recursive["children"])


def test_other_files_give_other_values_and_metadata_mirrors_the_data():
    schema = SCHEMAS["formats"]
    a, b = extract(b"file a", schema), extract(b"file b", schema)
    assert a.data != b.data
    assert set(a.field_metadata) == set(a.data)
    leaves = list(iter_leaves(a.field_metadata))
    assert len(leaves) == 10 and all(
        set(leaf) == {"confidence", "extraction_confidence", "reasoning", "citation"} for leaf in leaves
    )


# ------------------------------------------------------------------ extraction targets
SIMPLE = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}


def test_per_page_gives_one_object_per_page_with_its_page_number():
    result = extract(b"Name: Ann\nAge: 30\fName: Bob\nAge: 40", SIMPLE, "PER_PAGE")
    assert result.data == [{"name": "Ann", "age": 30}, {"name": "Bob", "age": 40}]
    assert result.field_metadata["1"]["name"]["citation"] == [{"page": 2, "matching_text": "Name: Bob"}]
    assert result.pages == 2


def test_per_table_row_reads_csv_rows_and_json_arrays():
    csv = extract(b"name,age\nAnn,30\nBob,40\n", SIMPLE, "PER_TABLE_ROW")
    assert csv.data == [{"name": "Ann", "age": 30}, {"name": "Bob", "age": 40}]
    rows = extract(json.dumps([{"name": "Cy", "age": 1}, {"name": "Di", "age": 2}]).encode(), SIMPLE, "PER_TABLE_ROW")
    assert rows.data == [{"name": "Cy", "age": 1}, {"name": "Di", "age": 2}]
    blocks = extract(b"Name: Ed\nAge: 5\n\nName: Flo\nAge: 6\n", SIMPLE, "PER_TABLE_ROW")
    assert blocks.data == [{"name": "Ed", "age": 5}, {"name": "Flo", "age": 6}]


def test_an_empty_schema_gives_an_empty_object():
    assert extract(b"Name: Ann", {}).data == {}
