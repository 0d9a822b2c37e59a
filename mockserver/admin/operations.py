"""Which operation a request is, from the route table ``create_app`` builds of the APIs it serves
(mockserver/registry.py ``route_table``; the admin API's operations left out).

Used by fault rules and journal queries that name an ``operation`` (an operationId such as
``get_agent_data``). A path segment written literally in a spec wins over a ``{parameter}`` one,
as in the routing (``/runs/latest-from-ui`` is not ``/runs/{run_id}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


class OperationIndex:
    def __init__(self, routes: Iterable[Sequence[str]]):
        """``routes``: (method, full path template, operationId, ...), as ``registry.Route``."""
        routes = [tuple(route[:3]) for route in routes]
        by_method: dict[str, list[tuple[tuple[bool, ...], str, str]]] = {}
        for method, template, operation_id in routes:
            segments = template.split("/")
            is_param = tuple(s.startswith("{") and s.endswith("}") for s in segments)
            pattern = "/".join("[^/]+" if p else re.escape(s) for s, p in zip(segments, is_param))
            by_method.setdefault(method.upper(), []).append((is_param, pattern, operation_id))
        # One regular expression per method, its alternatives most specific first (literal
        # segments before parameters, from the left): the first alternative that matches wins.
        self._patterns: dict[str, tuple[re.Pattern, list[str]]] = {}
        for method, candidates in by_method.items():
            candidates.sort(key=lambda c: c[0])
            alternatives = "|".join(f"(?P<op{i}>{pattern})" for i, (_, pattern, _) in enumerate(candidates))
            self._patterns[method] = (re.compile(f"^(?:{alternatives})$"), [c[2] for c in candidates])
        self.operation_ids = frozenset(op for _, _, op in routes)

    def find(self, method: str, path: str) -> str | None:
        compiled = self._patterns.get(method.upper())
        if compiled is None:
            return None
        match = compiled[0].match(path)
        return compiled[1][int(match.lastgroup[2:])] if match else None
