"""JSON in and out, exact for every value a client can send.

orjson is fast but refuses integers beyond 64 bits and lone UTF-16 surrogates, which Python's
json (and so FastAPI, and so the real API) accepts; those rare values fall back to the standard
library. Parsing gives the standard library's answer (exact integers; NaN and Infinity refused,
as they are not JSON): orjson parses a body first, being 4x faster, unless it holds a run of 19
digits or more (orjson reads integers beyond 64 bits as floats, silently), and anything orjson
refuses (lone surrogates, UTF-16, a BOM, 1e400) is parsed again by the standard library, which
accepts it or says why it is not JSON. Documents over 1 MiB (the state file) go to the standard
library straight away: orjson's parse peaks at a third more memory, for little time saved.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def _jsonable(value: Any) -> Any:
    """What FastAPI's encoder writes for bytes (an error's ``input`` may be a raw body)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_jsonable)
    except TypeError:  # an integer past 64 bits somewhere: the standard library writes it
        return json.dumps(_finite(value), separators=(",", ":"), allow_nan=False, default=_jsonable).encode()


def _finite(value: Any) -> Any:
    """``value`` with infinite floats as null, as orjson writes them: 1e400 parses (to inf) and is
    kept, so a document holding it and a long integer must still be written."""
    if isinstance(value, float):
        return value if value - value == 0 else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# one decoder for every call: json.loads(..., parse_constant=...) would build a new one each time
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


# a number orjson might read as a float: 19 digits or more (2**63 has 19), found by turning every
# digit into "0" and anything else into " " (two C passes: 6x faster than a regular expression)
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER = b"0" * 19
ORJSON_MAX_BYTES = 1 << 20


def loads(data: bytes | str) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError for syntax) on anything that is not JSON,
    or nested too deep for the parser (the door refuses much less deep: mockserver/limits.py)."""
    try:
        return _loads(data)
    except RecursionError:
        raise ValueError("nested too deep") from None


def _loads(data: bytes | str) -> Any:
    # as json.loads does: bytes in the encoding they tell, a BOM at the start of a str refused
    if isinstance(data, (bytes, bytearray)):
        if len(data) <= ORJSON_MAX_BYTES and _LONG_NUMBER not in data.translate(_DIGITS_AS_ZEROS):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass  # the standard library's answer, below
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    return _DECODER.decode(data)
