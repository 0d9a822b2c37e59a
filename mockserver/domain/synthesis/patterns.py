"""A string that matches a regular expression (a schema's ``pattern``), drawn from an RNG."""

from __future__ import annotations

import random
import re
import re._parser as sre_parse  # the standard library's own parser of regular expressions


def pattern_text(pattern: str, rng: random.Random) -> str | None:
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    groups: dict[int, str] = {}

    def pick_in(items) -> str:
        negate = any(op == sre_parse.NEGATE for op, _ in items)
        allowed: list[str] = []
        for op, arg in items:
            if op == sre_parse.LITERAL:
                allowed.append(chr(arg))
            elif op == sre_parse.RANGE:
                allowed.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 50) + 1))
            elif op == sre_parse.CATEGORY:
                allowed.extend(_category(arg))
        if negate:
            pool = [c for c in "abcxyzABC0129 _-" if c not in allowed]
            return rng.choice(pool) if pool else "?"
        return rng.choice(allowed) if allowed else "a"

    def emit(items) -> str:
        out = []
        for op, arg in items:
            if op == sre_parse.LITERAL:
                out.append(chr(arg))
            elif op == sre_parse.NOT_LITERAL:
                out.append("a" if chr(arg) != "a" else "b")
            elif op == sre_parse.ANY:
                out.append("x")
            elif op == sre_parse.IN:
                out.append(pick_in(arg))
            elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)):
                low, high, sub = arg
                high = low + 3 if high == sre_parse.MAXREPEAT else high
                out.extend(emit(sub) for _ in range(rng.randint(low, max(low, min(high, low + 3)))))
            elif op == sre_parse.SUBPATTERN:
                group, sub = arg[0], arg[-1]
                text = emit(sub)
                if group:
                    groups[group] = text
                out.append(text)
            elif op == getattr(sre_parse, "ATOMIC_GROUP", None):
                out.append(emit(arg))
            elif op == sre_parse.BRANCH:
                out.append(emit(rng.choice(arg[1])))
            elif op == sre_parse.GROUPREF:
                out.append(groups.get(arg, ""))
            elif op == sre_parse.CATEGORY:
                out.append(rng.choice(_category(arg)))
            # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit
        return "".join(out)

    try:
        text = emit(parsed)
    except Exception:
        return None
    return text if re.search(pattern, text) else None


def _category(category) -> list[str]:
    name = str(category)
    if "DIGIT" in name:
        return list("0123456789") if "NOT" not in name else list("abcxyz")
    if "SPACE" in name:
        return [" "] if "NOT" not in name else list("abcxyz")
    if "WORD" in name:
        return list("abcdefghijklmnopqrstuvwxyz0123456789") if "NOT" not in name else list("-. ")
    return list("abc")
