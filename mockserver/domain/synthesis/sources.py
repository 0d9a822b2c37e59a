"""Reading files: the parts of a file that each give one object, and the values they carry."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.domain.synthesis.words import CURRENCIES

MISSING: Any = object()
PER_DOC, PER_PAGE, PER_TABLE_ROW = "PER_DOC", "PER_PAGE", "PER_TABLE_ROW"  # the extraction targets


def normalize(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key.lower())


@dataclass(frozen=True)
class Found:
    value: Any  # a JSON value (JSON documents) or a string (text)
    page: int
    text: str  # the matching text of the citation


KEY_VALUE_LINE = re.compile(r"^\s*(?:[-*\u2022]\s*)?([A-Za-z][\w .()/'-]{0,80}?)\s*[:=]\s*(.*?)\s*$")


@dataclass
class Source:
    """What one segment of a file (the document, a page, a row) carries."""

    node: Any = MISSING  # the JSON value of the segment, when it is JSON
    lines: dict[str, list[Found]] = field(default_factory=dict)  # normalized key -> values, in order

    @classmethod
    def from_text(cls, text: str, first_page: int = 1) -> Source:
        source = cls()
        for page, page_text in enumerate(text.split("\f"), start=first_page):
            for line in page_text.splitlines():
                match = KEY_VALUE_LINE.match(line)
                if match and match.group(2) and not match.group(2).startswith("//"):
                    found = Found(match.group(2), page, line.strip())
                    source.lines.setdefault(normalize(match.group(1)), []).append(found)
        return source

    def lookup(self, keys: list[str]) -> list[Found]:
        for key in keys:
            values = self.lines.get(key)
            if values:
                return values
        return []


def decode(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\r\t\f")


def json_document(content: bytes) -> Any:
    stripped = content.strip()
    if stripped[:1] not in (b"{", b"["):
        return MISSING
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return MISSING


def _csv_rows(text: str) -> list[dict[str, str]] | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or "," not in lines[0]:
        return None
    rows = list(csv.reader(lines))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or any(len(r) != len(header) for r in rows[1:]):
        return None
    return [dict(zip(header, (v.strip() for v in r))) for r in rows[1:]]


def segments(content: bytes, target: str) -> list[Source]:
    """The parts of a file that each give one extracted object, for an extraction target."""
    document = json_document(content)
    if document is not MISSING:
        if target == PER_TABLE_ROW and isinstance(document, list) and document:
            return [Source(node=row) for row in document]
        if isinstance(document, list):
            document = next((row for row in document if isinstance(row, dict)), MISSING)
        return [Source(node=document)]
    text = decode(content)
    if target == PER_PAGE:
        return [Source.from_text(page, first_page=number) for number, page in enumerate(text.split("\f"), start=1)]
    if target == PER_TABLE_ROW:
        rows = _csv_rows(text)
        if rows:
            return [Source(node=row) for row in rows]
        blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
        return [Source.from_text(block) for block in blocks] or [Source.from_text(text)]
    return [Source.from_text(text)]


TRUE_WORDS = {"true", "yes", "y", "on", "1", "x", "checked"}
FALSE_WORDS = {"false", "no", "n", "off", "0", "unchecked"}
NULL_WORDS = {"null", "none", "n/a", "na", "-", ""}
NUMBER_TEXT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?")


def parse_number(text: str) -> float | int | None:
    cleaned = text.strip().strip("$€£¥%").strip()
    for code in CURRENCIES:
        cleaned = cleaned.removeprefix(code).removesuffix(code).strip()
    if not cleaned or not any(ch.isdigit() for ch in cleaned) or not NUMBER_TEXT.fullmatch(cleaned):
        return None
    cleaned = cleaned.replace(",", "")
    number = float(cleaned)
    if not math.isfinite(number):
        return None
    return int(number) if re.fullmatch(r"[+-]?\d+", cleaned) else number


def schema_types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        types = [declared]
    elif isinstance(declared, list):
        types = list(declared)
    elif "const" in schema:
        types = [json_type(schema["const"])]
    elif "enum" in schema:
        types = list(dict.fromkeys(json_type(v) for v in schema["enum"]))
    elif "properties" in schema or "additionalProperties" in schema or "required" in schema:
        types = ["object"]
    elif "items" in schema or "prefixItems" in schema:
        types = ["array"]
    else:
        types = ["string"]
    return types


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def coerce_scalar(value: Any, json_type: str) -> Any:
    """``value`` read as the JSON type, or MISSING."""
    if json_type == "string":
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return MISSING
    if json_type in ("integer", "number"):
        if isinstance(value, bool):
            return MISSING
        number = parse_number(value) if isinstance(value, str) else value if isinstance(value, (int, float)) else None
        if number is None:
            return MISSING
        if json_type == "integer":
            return int(number) if float(number).is_integer() else MISSING
        return number
    if json_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        return MISSING
    if json_type == "null":
        if value is None or (isinstance(value, str) and value.strip().lower() in NULL_WORDS):
            return None
        return MISSING
    return MISSING
