"""Cursor pages by key, for the listings of the 2.x APIs (``{items, next_page_token}``). No HTTP.

A listing is sorted by an ``Order``: fields, each ascending or descending, the last of them
unique (an id, a creation sequence), so that every item has its own place. A page token holds the
order's name and the sort key of the last item served; the next page starts right after that
key. Pages therefore stay exact while items are added or removed between two requests (an
offset would repeat or skip items of a newest-first listing as soon as one is created).

Missing values (None) sort last in either direction. Tokens are opaque to clients (base64url of
JSON); one the server did not issue, or issued for another order, is a 422 at ``loc``.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.domain.errors import InvalidField

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000  # larger page sizes are treated as this


@dataclass(frozen=True)
class Order:
    name: str
    fields: tuple[tuple[str, bool], ...]  # (field, descending)


def page_size(value: int | None) -> int:
    return DEFAULT_PAGE_SIZE if value is None else min(max(value, 1), MAX_PAGE_SIZE)


def _compare_values(a: Any, b: Any, descending: bool) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # missing values last, whichever the direction
    if a == b:
        return 0
    less = a < b
    return (1 if less else -1) if descending else (-1 if less else 1)


def compare(order: Order, a: Sequence[Any], b: Sequence[Any]) -> int:
    for (_, descending), x, y in zip(order.fields, a, b):
        result = _compare_values(x, y, descending)
        if result:
            return result
    return 0


def encode_token(order: Order, key: Sequence[Any]) -> str:
    raw = orjson.dumps({"o": order.name, "k": list(key)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(order: Order, token: str, loc: tuple) -> list[Any]:
    try:
        document = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if (
            isinstance(document, dict)
            and document.get("o") == order.name
            and isinstance(document.get("k"), list)
            and len(document["k"]) == len(order.fields)
        ):
            return document["k"]
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        pass
    raise InvalidField(
        loc,
        "page_token is not one this server issued for this listing: pass the next_page_token of the previous "
        "page unchanged, with the same order",
        "value_error",
    )


def paginate(
    items: list[Any],
    order: Order,
    key: Callable[[Any], Sequence[Any]],
    size: int | None,
    token: str | None,
    token_loc: tuple,
) -> tuple[list[Any], str | None]:
    """(the page's items, the next page's token or None) of ``items`` sorted by ``order``."""
    limit = page_size(size)
    after = decode_token(order, token, token_loc) if token else None
    keyed = sorted(
        ((key(item), item) for item in items), key=functools.cmp_to_key(lambda a, b: compare(order, a[0], b[0]))
    )
    if after is not None:
        keyed = [pair for pair in keyed if compare(order, pair[0], after) > 0]
    page = keyed[:limit]
    next_token = encode_token(order, page[-1][0]) if len(keyed) > limit else None
    return [item for _, item in page], next_token
