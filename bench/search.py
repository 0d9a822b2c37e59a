"""Target 2: queries over one collection of ~100,000 records, through HTTP, with --db.

Each query is checked once for a sensible answer before it is timed, so that a fast error
never passes for a fast query. Delete-by-query runs last, on the server's private copy.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from bench.dataset import COLLECTION, DEPLOYMENT, copy_state
from bench.server import Server
from bench.stats import now, summary

SCOPE = {"deployment_name": DEPLOYMENT, "collection": COLLECTION}
FILTERED_SORTED = {
    **SCOPE,
    "filter": {"age": {"gte": 30}, "status": {"eq": "active"}},
    "order_by": "data.age desc, created_at",
    "page_size": 50,
}
DEFAULT_SORT = {**SCOPE, "page_size": 50}
AGGREGATE = {**SCOPE, "group_by": ["status"], "count": True, "first": True}
SAMPLES = {"filtered_sorted": 40, "default_sort": 20, "aggregate": 20}
DELETES = 5  # each deletes a distinct slice (one age, one status): a full scan that removes ~0.4%
WARMUP = 2


def _post(server: Server, path: str, body: dict) -> tuple[float, dict]:
    payload = orjson.dumps(body)
    start = now()
    status, answer = server.http.post(path, payload)
    elapsed = now() - start
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {answer[:300]!r}")
    return elapsed, orjson.loads(answer)


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise RuntimeError(f"wrong answer: {problem}")


def _check_filtered_sorted(body: dict) -> None:
    items = body["items"]
    ages = [r["data"]["age"] for r in items]
    _expect(len(items) == 50, f"expected a full page, got {len(items)} items")
    _expect(all(r["data"]["status"] == "active" and r["data"]["age"] >= 30 for r in items), "filter not applied")
    _expect(ages == sorted(ages, reverse=True), "not sorted by data.age desc")


def _check_default_sort(body: dict) -> None:
    created = [r["created_at"] for r in body["items"]]
    _expect(len(created) == 50 and created == sorted(created, reverse=True), "not sorted by created_at desc")


def _check_aggregate(body: dict) -> None:
    groups = body["items"]
    _expect(len(groups) == 4 and all(g["count"] > 0 and "first_item" in g for g in groups), f"groups {groups}")


QUERIES = {
    "filtered_sorted": ("/api/v1/beta/agent-data/:search", FILTERED_SORTED, _check_filtered_sorted),
    "default_sort": ("/api/v1/beta/agent-data/:search", DEFAULT_SORT, _check_default_sort),
    "aggregate": ("/api/v1/beta/agent-data/:aggregate", AGGREGATE, _check_aggregate),
}


def queries(workdir: Path, state: Path, records: int) -> dict:
    db = copy_state(state, workdir / "t2-search.db.json")
    result: dict = {"records": records}
    with Server(workdir, db, "t2-search") as server:
        for name, (path, body, check) in QUERIES.items():
            _, answer = _post(server, path, body)
            check(answer)
            for _ in range(WARMUP - 1):
                _post(server, path, body)
            result[name] = summary([_post(server, path, body)[0] for _ in range(SAMPLES[name])])
        seconds, deleted = [], []
        for i in range(DELETES):
            body = {**SCOPE, "filter": {"age": {"eq": 40 + i}, "status": {"eq": "archived"}}}
            elapsed, answer = _post(server, "/api/v1/beta/agent-data/:delete", body)
            seconds.append(elapsed)
            deleted.append(answer["deleted_count"])
        _expect(all(deleted), f"delete-by-query deleted nothing: {deleted}")
        result["delete_by_query"] = {**summary(seconds), "deleted_each": deleted}
    return result
