"""Fault rules: answer chosen requests with an error, slow them down, or drop their connection.

A rule **matches** a request by any of: ``operation`` (an operationId of the specs, such as
``get_job``), ``method``, and ``path`` (a glob: ``*`` matches any characters, ``/`` included);
all that are given must hold, none given matches every request outside ``/_mock/``. Each rule
counts the requests it matches and **fires**:

* on the ``nth`` matching request only, or
* on ``every`` Nth one (the Nth, the 2Nth, ...), or
* with ``probability`` p, drawn from a random generator seeded by ``seed`` (default 0, so a run
  repeats itself), or
* on every matching request when none of these is given;

and at most ``times`` times in all when that is given ("two 503s, then success": ``times: 2``).

When it fires it **acts**: ``latency`` seconds of delay first (alone, the request then goes on
as usual); then either a response with ``status``, ``body`` (default: a ``detail`` naming the
rule) and ``headers`` (``Retry-After``, ``x-should-retry``...), or ``drop``: the connection is
closed without an answer (in process, the client gets ``httpx.RemoteProtocolError``, as over a
socket). Rules are checked in the order they were added; every rule counts each request it
matches, and the first one that fires acts alone.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.admin.journal import glob
from mockserver.domain.errors import InvalidField, NotFound


@dataclass
class FaultRule:
    id: str
    operation: str | None = None
    method: str | None = None
    path: str | None = None
    nth: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None
    times: int | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float | None = None
    drop: bool = False
    matched: int = 0
    fired: int = 0
    _pattern: re.Pattern | None = field(default=None, repr=False)
    _random: random.Random | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.method:
            self.method = self.method.upper()
        self._pattern = glob(self.path) if self.path is not None else None
        if self.probability is not None:
            self._random = random.Random(self.seed if self.seed is not None else 0)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self._pattern is None or self._pattern.match(path) is not None)
            and (self.operation is None or self.operation == operation)
        )

    def fires(self) -> bool:
        """Called once per matching request, after ``matched`` counted it."""
        if self.exhausted:
            return False
        if self.nth is not None:
            return self.matched == self.nth
        if self.every is not None:
            return self.matched % self.every == 0
        if self._random is not None:
            return self._random.random() < self.probability
        return True

    def response_body(self) -> Any:
        if self.body is not None:
            return self.body
        return {"detail": f"Injected by llamacloud-mock fault rule {self.id} (status {self.status})."}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "nth": self.nth,
            "every": self.every,
            "probability": self.probability,
            "seed": self.seed,
            "times": self.times,
            "status": self.status,
            "body": self.body,
            "headers": dict(self.headers),
            "latency": self.latency,
            "drop": self.drop,
            "matched": self.matched,
            "fired": self.fired,
            "exhausted": self.exhausted,
        }


RULE_FIELDS = (
    "operation",
    "method",
    "path",
    "nth",
    "every",
    "probability",
    "seed",
    "times",
    "status",
    "body",
    "headers",
    "latency",
    "drop",
)


class FaultRules:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any], known_operations: frozenset[str] | None = None) -> FaultRule:
        """A new rule from the admin API's ``FaultRuleCreate`` (already type-checked)."""
        values = {k: spec[k] for k in RULE_FIELDS if spec.get(k) is not None}
        triggers = [k for k in ("nth", "every", "probability") if k in values]
        if len(triggers) > 1:
            raise InvalidField(("body", triggers[1]), f"give at most one of nth, every and probability, not {triggers}")
        if values.get("drop") and "status" in values:
            raise InvalidField(
                ("body", "drop"), "a rule either answers with a status or drops the connection, not both"
            )
        if not values.get("drop") and "status" not in values and "latency" not in values:
            raise InvalidField(("body",), "a rule needs an action: status (with body and headers), latency or drop")
        if "seed" in values and "probability" not in values:
            raise InvalidField(("body", "seed"), "seed only applies to a rule with a probability")
        operation = values.get("operation")
        if operation is not None and known_operations is not None and operation not in known_operations:
            raise InvalidField(
                ("body", "operation"),
                f"unknown operation {operation!r}: use an operationId of the specs in openapi/ (such as get_job)",
            )
        rule = FaultRule(id=f"fault-{next(self._ids)}", **values)
        self.rules.append(rule)
        return rule

    def get(self, rule_id: str) -> FaultRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound("Fault rule", rule_id)

    def remove(self, rule_id: str) -> None:
        self.rules.remove(self.get(rule_id))

    def clear(self) -> None:
        self.rules.clear()
        self._ids = itertools.count(1)

    def pick(self, method: str, path: str, operation: str | None) -> FaultRule | None:
        """The rule that acts on this request, if any; counts the request for every matching rule."""
        acting = None
        for rule in self.rules:
            if rule.matches(method, path, operation):
                rule.matched += 1
                if acting is None and rule.fires():
                    rule.fired += 1
                    acting = rule
        return acting

    @property
    def need_operation(self) -> bool:
        return any(rule.operation is not None for rule in self.rules)
