"""JSON in and out, exact for every value a client can send.

orjson is fast but refuses integers beyond 64 bits and lone UTF-16 surrogates, which Python's
json (and so FastAPI, and so the real API) accepts; those rare values fall back to the standard
library. Parsing uses the standard library's exact integers and rejects NaN and Infinity, which
are not JSON.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# one decoder for every call: json.loads(..., parse_constant=...) would build a new one each time
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(data: bytes | str) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError for syntax) on anything that is not JSON."""
    # as json.loads does: bytes in the encoding they tell, a BOM at the start of a str refused
    if isinstance(data, (bytes, bytearray)):
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    return _DECODER.decode(data)
