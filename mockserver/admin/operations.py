"""Which operation a request is: the method and path templates of every spec the fake serves.

Used by fault rules and journal queries that name an ``operation`` (an operationId such as
``get_agent_data``). A path segment written literally in a spec wins over a ``{parameter}`` one,
as in the routing (``/runs/latest-from-ui`` is not ``/runs/{run_id}``).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlparse

from generated import spec_document

ADMIN_SPEC = "admin.yaml"


class OperationIndex:
    def __init__(self, routes: list[tuple[str, str, str]]):
        """``routes``: (method, path template, operationId)."""
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


@functools.cache
def served_operations(apis: tuple) -> OperationIndex:
    """The operations of the API specs a server serves (``apis``: its profile's ``ApiSpec``s; the
    admin API's excepted), base paths included. Built on first use: only fault rules that name an
    operation and journal queries need it. ``create_app`` hands it to whatever needs it, so that
    this package knows nothing of mockserver.app or mockserver.api."""
    routes = []
    for api in apis:
        if api.spec == ADMIN_SPEC:
            continue
        servers = spec_document(api.spec).get("servers") or [{"url": "/"}]
        base = urlparse(servers[0].get("url", "/")).path.rstrip("/")
        for operation_id, operation in api.operations.OPERATIONS.items():
            routes.append((operation.method, base + operation.path, operation_id))
    return OperationIndex(routes)
