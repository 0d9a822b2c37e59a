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


def loads(data: bytes | str) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError for syntax) on anything that is not JSON."""
    return json.loads(data, parse_constant=_reject_constant)
