"""mockserver.jsonio.loads parses with orjson first: it must give the standard library's answer
(exact integers, NaN and Infinity refused) for every input, JSON or not."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import jsonio


def _refuse(name: str):
    raise ValueError(name)


def reference(data: bytes):
    """What the standard library answers: ("ok", value) or ("error", None)."""
    try:
        return "ok", json.loads(data, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return "error", None


def answer(data: bytes):
    try:
        return "ok", jsonio.loads(data)
    except (ValueError, RecursionError):
        return "error", None


def same(data: bytes) -> None:
    expected, got = reference(data), answer(data)
    # repr: 1 and 1.0 and True differ, -0.0 and 0.0 differ
    assert (got[0], repr(got[1])) == (expected[0], repr(expected[1])), data


EDGES = [
    b"123456789012345678901234567890",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-9223372036854775808",
    b"-9223372036854775809",
    b'{"n": 99999999999999999999999, "m": -1e5}',
    b'"1234567890123456789012 in a string"',
    b'"\\ud800"',
    b'{"a": "\\udfff\\ud800x"}',
    b"1e400",
    b"-1e400",
    b"NaN",
    b"Infinity",
    b"[-Infinity]",
    b'{"a":1,"a":2}',
    b"-0",
    b"-0.0",
    b"1E2",
    b"0.1e-400",
    b"[1.5e-323]",
    b"\xef\xbb\xbf[1]",
    '{"a": "\u00e9"}'.encode("utf-16"),
    '["x"]'.encode("utf-16-le"),
    '["x"]'.encode("utf-32"),
    b'"\xed\xa0\x80"',  # an encoded surrogate: not UTF-8, but the standard library reads it
    b'"\xff"',
    b"[1,]",
    b"01",
    b"1.",
    b".5",
    b"+1",
    b"",
    b"   ",
    b'"tab\tinside"',
    b"[" * 2000 + b"]" * 2000,
    b'{"a": [true, false, null, 1.25, "x"]}',
]


@pytest.mark.parametrize("data", EDGES, ids=range(len(EDGES)))
def test_edges_answer_as_the_standard_library(data):
    same(data)


def test_integers_beyond_64_bits_stay_exact():
    assert jsonio.loads(b'{"a": 123456789012345678901234567890}') == {"a": 123456789012345678901234567890}
    assert type(jsonio.loads(b"18446744073709551616")) is int


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),  # lone surrogates included
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, database=None)
@given(value=json_values, ascii_only=st.booleans())
def test_any_json_document_parses_as_the_standard_library_parses_it(value, ascii_only):
    same(json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None, database=None)
@given(
    data=st.binary(max_size=40) | st.text(alphabet='[]{}",:0123456789.eE+-tfrunalse \\u', max_size=30).map(str.encode)
)
def test_anything_else_is_refused_or_parsed_as_the_standard_library_does(data):
    same(data)


def test_documents_over_the_orjson_limit_parse_the_same():
    records = [{"id": i, "score": i / 7, "text": "é", "tags": [True, None]} for i in range(20_000)]
    data = json.dumps(records).encode()
    assert len(data) > jsonio.ORJSON_MAX_BYTES  # the standard library's path, by size
    same(data)
    assert jsonio.loads(data) == records


def test_a_document_with_a_long_integer_and_an_infinite_float_is_written_as_orjson_writes_infinity():
    # the journal's read-back of a 1e400 body beside one with a 30-digit integer answered 500
    document = {"big": 123456789012345678901234567890, "inf": jsonio.loads(b"1e400"), "list": [float("-inf"), 1.5]}
    assert jsonio.dumps(document) == b'{"big":123456789012345678901234567890,"inf":null,"list":[null,1.5]}'
    assert jsonio.dumps({"inf": float("inf")}) == orjson.dumps({"inf": float("inf")}) == b'{"inf":null}'
