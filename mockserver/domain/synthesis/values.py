"""Synthesized values: numbers, dates and strings that fit a schema, hinted by the field's name."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import random
import uuid
from typing import Any

from mockserver.domain.synthesis.patterns import pattern_text
from mockserver.domain.synthesis.words import CITIES, COMPANIES, COUNTRIES, CURRENCIES, NAMES_FIRST, NAMES_LAST, WORDS


def _bounds(schema: dict, low: float, high: float) -> tuple[float, float, bool, bool]:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    lo_ex = hi_ex = False
    if isinstance(xlo, bool):  # draft 4: a flag on minimum
        lo_ex, xlo = xlo, None
    if isinstance(xhi, bool):
        hi_ex, xhi = xhi, None
    if isinstance(xlo, (int, float)) and (lo is None or xlo >= lo):
        lo, lo_ex = xlo, True
    if isinstance(xhi, (int, float)) and (hi is None or xhi <= hi):
        hi, hi_ex = xhi, True
    if lo is None and hi is None:
        lo, hi = low, high
    elif lo is None:
        lo = min(low, hi - (high - low))
    elif hi is None:
        hi = max(high, lo + (high - low))
    return float(lo), float(hi), lo_ex, hi_ex


NUMBER_HINTS = [
    (("age",), 18, 90),
    (("year",), 1990, 2030),
    (("percent", "percentage", "rate"), 0, 100),
    (("price", "amount", "total", "cost", "subtotal", "tax", "balance", "salary", "revenue"), 10, 5000),
    (("quantity", "qty", "count", "number", "num"), 1, 20),
]


def number_for(schema: dict, integer: bool, name: str, rng: random.Random) -> int | float:
    low, high = 1, 1000
    for words, hint_low, hint_high in NUMBER_HINTS:
        if any(w in name for w in words):
            low, high = hint_low, hint_high
            break
    lo, hi, lo_ex, hi_ex = _bounds(schema, low, high)
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        first = math.ceil(lo / step) + (1 if lo_ex and (lo / step).is_integer() else 0)
        last = math.floor(hi / step) - (1 if hi_ex and (hi / step).is_integer() else 0)
        k = rng.randint(first, max(first, last))
        value = k * step
        if integer or (isinstance(step, int) and not isinstance(step, bool)):
            return int(round(value))
        return round(value, 10)
    if integer:
        first = math.ceil(lo) + (1 if lo_ex and float(lo).is_integer() else 0)
        last = math.floor(hi) - (1 if hi_ex and float(hi).is_integer() else 0)
        return rng.randint(first, max(first, last))
    value = round(rng.uniform(lo, hi), 2)
    if (lo_ex and value <= lo) or value < lo:
        value = lo + (hi - lo) / 2
    if (hi_ex and value >= hi) or value > hi:
        value = lo + (hi - lo) / 2
    return value


def _date(rng: random.Random) -> dt.date:
    return dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))


FORMAT_VALUES = {
    "date": lambda rng: _date(rng).isoformat(),
    "date-time": lambda rng: (
        f"{_date(rng).isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    ),
    "time": lambda rng: f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
    "email": lambda rng: f"{rng.choice(NAMES_FIRST)}.{rng.choice(NAMES_LAST)}@example.com".lower(),
    "idn-email": lambda rng: f"{rng.choice(NAMES_FIRST)}@example.com".lower(),
    "uri": lambda rng: f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "url": lambda rng: f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "iri": lambda rng: f"https://example.com/{rng.choice(WORDS)}",
    "uri-reference": lambda rng: f"/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "iri-reference": lambda rng: f"/{rng.choice(WORDS)}",
    "uri-template": lambda rng: "https://example.com/{id}",
    "hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "idn-hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "ipv4": lambda rng: f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
    "ipv6": lambda rng: str(ipaddress.IPv6Address(rng.getrandbits(128))),
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "duration": lambda rng: f"P{rng.randint(1, 30)}D",
    "regex": lambda rng: "^[a-z]+$",
    "json-pointer": lambda rng: f"/{rng.choice(WORDS)}/0",
    "relative-json-pointer": lambda rng: "0/" + rng.choice(WORDS),
}

STRING_HINTS: list[tuple[tuple[str, ...], Any]] = [
    (("email",), FORMAT_VALUES["email"]),
    (("url", "website", "link", "uri", "homepage"), FORMAT_VALUES["uri"]),
    (("phone", "tel", "mobile", "fax"), lambda rng: f"+1-555-{rng.randrange(10000):04d}"),
    (("date", "dob", "birthday"), FORMAT_VALUES["date"]),
    (("currency",), lambda rng: rng.choice(CURRENCIES)),
    (
        (
            "company",
            "vendor",
            "supplier",
            "organization",
            "organisation",
            "employer",
            "merchant",
            "seller",
            "buyer",
            "issuer",
        ),
        lambda rng: rng.choice(COMPANIES),
    ),
    (("city", "town"), lambda rng: rng.choice(CITIES)),
    (("country", "nation"), lambda rng: rng.choice(COUNTRIES)),
    (("address", "street"), lambda rng: f"{rng.randint(1, 999)} {rng.choice(WORDS).title()} Street"),
    (
        ("name", "author", "person", "contact", "customer", "owner", "manager", "recipient"),
        lambda rng: f"{rng.choice(NAMES_FIRST)} {rng.choice(NAMES_LAST)}",
    ),
    (
        ("id", "number", "code", "reference", "ref", "sku", "no"),
        lambda rng: f"{rng.choice(WORDS)[:3].upper()}-{rng.randint(10000, 99999)}",
    ),
    (("title", "subject", "heading"), lambda rng: f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} Report"),
    (
        ("description", "summary", "notes", "note", "comment", "comments", "abstract", "text", "body", "content"),
        lambda rng: f"The {rng.choice(WORDS)} {rng.choice(WORDS)} of the {rng.choice(WORDS)} {rng.choice(WORDS)}.",
    ),
]


def string_for(schema: dict, name: str, rng: random.Random) -> str:
    fmt = schema.get("format")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        for _ in range(10):
            text = pattern_text(pattern, rng)
            if text is not None and _fits_length(text, schema):
                return text
    if isinstance(fmt, str) and fmt in FORMAT_VALUES:
        text = FORMAT_VALUES[fmt](rng)
    else:
        text = next((make(rng) for words, make in STRING_HINTS if any(_name_has(name, w) for w in words)), None)
        if text is None:
            text = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
    return _fit_length(text, schema, rng)


def _name_has(name: str, word: str) -> bool:
    """Whether a field name (normalized) is about ``word``: "invoiceid" is about "id", "notes" is not about "no"."""
    return word in name if len(word) > 3 else name == word or name.endswith(word)


def _fits_length(text: str, schema: dict) -> bool:
    return len(text) >= schema.get("minLength", 0) and len(text) <= schema.get("maxLength", len(text))


def _fit_length(text: str, schema: dict, rng: random.Random) -> str:
    min_length = int(schema.get("minLength", 0))
    max_length = schema.get("maxLength")
    while len(text) < min_length:
        text += " " + rng.choice(WORDS)
    if max_length is not None:
        text = text[: int(max_length)]
    return text
