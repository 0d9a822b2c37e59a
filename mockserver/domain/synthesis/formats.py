"""Format checks jsonschema leaves to optional packages (date-time, uri, hostname...)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

from jsonschema import FormatChecker


def _is_datetime(value: str) -> bool:
    if "T" not in value.upper() or not re.search(r"(Z|[+-]\d\d:\d\d)$", value, re.I):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_time(value: str) -> bool:
    return re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", value, re.I) is not None


def _is_uri(value: str) -> bool:
    parsed = urlparse(value)
    return (
        bool(parsed.scheme) and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parsed.scheme) is not None and " " not in value
    )


def _is_hostname(value: str) -> bool:
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    return len(value) <= 253 and re.fullmatch(rf"{label}(?:\.{label})*", value) is not None


def _is_duration(value: str) -> bool:
    return re.fullmatch(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", value) is not None


def format_checker() -> FormatChecker:
    """jsonschema's format checks, plus the ones it leaves to optional packages."""
    checker = FormatChecker()
    for name, check in {
        "date-time": _is_datetime,
        "time": _is_time,
        "uri": _is_uri,
        "url": _is_uri,
        "iri": _is_uri,
        "hostname": _is_hostname,
        "duration": _is_duration,
    }.items():
        checker.checks(name)(lambda value, check=check: not isinstance(value, str) or check(value))
    return checker


FORMAT_CHECKER = format_checker()
