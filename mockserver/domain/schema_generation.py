"""Data schemas made up from a file or a prompt (``POST /api/v2/extract/schema/generate``). No HTTP.

Deterministic stand-ins for the real service's model:

* ``from_content``: a JSON document gives one property per member, typed by its value (objects
  and arrays recursively; a top-level array describes its first object, as rows); text gives one
  property per ``key: value`` line (the key in snake_case, its original as ``title``), typed by
  how the value reads: a boolean word, a number (``$1,250.00``), an ISO date, else a string. The
  fake's own extraction (mockserver/domain/synthesis/) finds those values again in that file.
* ``from_prompt``: a prompt is read as a list of field names ("the vendor, the total amount and
  the invoice date"), typed by their words (total, amount, price... are numbers; date is a
  date; is/has/paid are booleans; anything else a string).

Every property made up this way is required.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.domain.synthesis import sources

NUMBER_WORDS = {
    "total",
    "amount",
    "price",
    "cost",
    "count",
    "number",
    "quantity",
    "qty",
    "sum",
    "subtotal",
    "tax",
    "balance",
    "age",
    "rate",
    "score",
}
BOOLEAN_WORDS = {"is", "has", "paid", "approved", "active", "valid"}
FILLER_WORDS = {
    "extract",
    "get",
    "find",
    "list",
    "the",
    "a",
    "an",
    "its",
    "their",
    "of",
    "and",
    "please",
    "all",
    "each",
    "every",
    "field",
    "fields",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_WORDS = 5


def snake_case(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def empty_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}, "required": []}


def _of_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string", "format": "date"} if ISO_DATE.match(value) else {"type": "string"}
    if isinstance(value, list):
        return {"type": "array", "items": _of_value(value[0]) if value else {"type": "string"}}
    if isinstance(value, dict):
        return _object({k: _of_value(v) for k, v in value.items()})
    return {"type": ["string", "null"]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _of_text(text: str) -> dict[str, Any]:
    lowered = text.strip().lower()
    if lowered in sources.TRUE_WORDS - {"1", "x"} or lowered in sources.FALSE_WORDS - {"0"}:
        return {"type": "boolean"}
    number = sources.parse_number(text)
    if number is not None:
        return {"type": "integer"} if isinstance(number, int) and "." not in text else {"type": "number"}
    if ISO_DATE.match(text.strip()):
        return {"type": "string", "format": "date"}
    return {"type": "string"}


def from_content(content: bytes) -> dict[str, Any]:
    document = sources.json_document(content)
    if isinstance(document, list):
        document = next((row for row in document if isinstance(row, dict)), {})
    if isinstance(document, dict):
        return _object({k: _of_value(v) for k, v in document.items()})
    properties: dict[str, Any] = {}
    for line in sources.decode(content).splitlines():
        match = sources.KEY_VALUE_LINE.match(line)
        if not match or not match.group(2):
            continue
        name = snake_case(match.group(1))
        if name and name not in properties:
            properties[name] = {**_of_text(match.group(2)), "title": match.group(1).strip()}
    return _object(properties)


def field_names(prompt: str) -> list[str]:
    names = []
    for chunk in re.split(r"[,;\n]|\band\b|\bor\b", prompt, flags=re.IGNORECASE):
        words = [w for w in re.findall(r"[A-Za-z0-9]+", chunk.lower())]
        while words and words[0] in FILLER_WORDS:
            words.pop(0)
        if 0 < len(words) <= MAX_WORDS:
            name = "_".join(words)
            if name not in names:
                names.append(name)
    return names


def _of_name(name: str) -> dict[str, Any]:
    words = set(name.split("_"))
    if words & BOOLEAN_WORDS:
        return {"type": "boolean"}
    if "date" in words:
        return {"type": "string", "format": "date"}
    if words & NUMBER_WORDS:
        return {"type": "number"}
    return {"type": "string"}


def from_prompt(prompt: str) -> dict[str, Any]:
    return _object({name: _of_name(name) for name in field_names(prompt)})


def extend(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the properties of ``extra`` it lacks (base's own properties win)."""
    properties = dict(base.get("properties") or {})
    required = list(base.get("required") or [])
    for name, schema in (extra.get("properties") or {}).items():
        if name not in properties:
            properties[name] = schema
            if name in (extra.get("required") or []):
                required.append(name)
    merged = {**base, "type": base.get("type", "object"), "properties": properties}
    if required:
        merged["required"] = required
    return merged
