"""Semantics of Agent Data filters, sorting, pagination, aggregation and deletion (domain layer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import format_instant
from mockserver.domain.errors import InvalidField, NotFound
from mockserver.domain.ids import IdFactory
from mockserver.domain.query import Query
from mockserver.domain.store import StoreContext
from mockserver.storage import Database

START = datetime(2024, 1, 1, tzinfo=UTC)


class SteppingClock:
    """Each reading is one second after the previous one."""

    def __init__(self):
        self.ticks = 0

    def now_iso(self) -> str:
        self.ticks += 1
        return format_instant(START + timedelta(seconds=self.ticks))


@pytest.fixture
def store():
    return AgentDataStore(StoreContext(Database(), SteppingClock(), IdFactory(seed=7), "proj-default"))


@pytest.fixture
def people(store):
    rows = [
        {"name": "ann", "age": 30, "status": "active", "tags": ["python", "ml"], "contact": {"email": "a@x"}},
        {"name": "bob", "age": 17, "status": "inactive", "tags": ["go"]},
        {"name": "cid", "age": 65, "status": "active", "tags": []},
        {"name": "dee", "age": "forty", "status": "active"},  # a string where others have numbers
        {"name": "eve", "age": 42.5, "status": None, "tags": ["ml"]},
        {"name": "fay", "status": "active", "flag": True},
    ]
    return [store.create(row, "dep", "people", None) for row in rows]


def names(page):
    return [item["data"]["name"] for item in page["items"]]


def search(store, filter_=None, order_by="data.name", **kwargs):
    return store.search(store.scope("dep", "people", None), Query(filter_, order_by, **kwargs))


class TestFilters:
    @pytest.mark.parametrize(
        ("filter_", "expected"),
        [
            ({"age": {"eq": 30}}, ["ann"]),
            ({"age": {"eq": 30.0}}, ["ann"]),  # 30 and 30.0 are the same number
            ({"age": {"ne": 30}}, ["bob", "cid", "eve"]),  # only numbers compare with a number
            ({"age": {"gt": 30}}, ["cid", "eve"]),
            ({"age": {"gte": 30}}, ["ann", "cid", "eve"]),
            ({"age": {"lt": 30}}, ["bob"]),
            ({"age": {"lte": 30}}, ["ann", "bob"]),
            ({"age": {"gte": 21, "lt": 65}}, ["ann", "eve"]),  # operators of one field are ANDed
            ({"age": {"gte": 21}, "status": {"eq": "active"}}, ["ann", "cid"]),  # fields are ANDed
            ({"age": {"gt": "a"}}, ["dee"]),  # strings compare with strings only
            ({"status": {"includes": ["inactive", "nobody"]}}, ["bob"]),
            ({"status": {"excludes": ["active"]}}, ["bob"]),  # null and missing never match
            ({"tags": {"includes": ["ml"]}}, ["ann", "eve"]),  # arrays: any element
            ({"tags": {"excludes": ["ml"]}}, ["bob", "cid"]),
            ({"tags": {"includes": []}}, []),  # an empty includes matches nothing
            ({"contact.email": {"eq": "a@x"}}, ["ann"]),  # dot paths
            ({"contact.email.deeper": {"eq": "a@x"}}, []),  # a path through a string
            ({"tags.0": {"eq": "go"}}, ["bob"]),  # list index in a path
            ({"flag": {"eq": True}}, ["fay"]),
            ({"flag": {"eq": 1}}, []),  # true is not 1
            ({"missing": {"ne": "x"}}, []),
            ({"age": {"eq": None}}, ["fay"]),  # eq null: null or missing
            ({"status": {"eq": None}}, ["eve"]),
            ({"status": {"ne": None}}, ["ann", "bob", "cid", "dee", "fay"]),  # ne null: holds a value
            ({"status": {"eq": None}, "name": {"ne": None}}, ["eve"]),
            ({"created_at": {"eq": None}}, []),  # timestamps are never null
            ({"created_at": {"ne": None}}, ["ann", "bob", "cid", "dee", "eve", "fay"]),
            ({"age": {"gt": None, "lt": None, "includes": None}}, ["ann", "bob", "cid", "dee", "eve", "fay"]),
            ({"age": None, "name": {"eq": "bob"}}, ["bob"]),  # null operations: no constraint
            ({"status": {"includes": [None, "inactive"]}}, ["bob"]),  # a null item matches nothing
            ({"status": {"excludes": [None, "active"]}}, ["bob"]),
            ({"created_at": {"includes": [None]}}, []),
        ],
    )
    def test_operator(self, store, people, filter_, expected):
        assert names(search(store, filter_)) == expected

    def test_timestamps_compare_as_instants(self, store, people):
        third = people[2]["created_at"]
        assert third == "2024-01-01T00:00:03.000000Z"
        assert names(search(store, {"created_at": {"gte": third}})) == ["cid", "dee", "eve", "fay"]
        # the same instant written with an offset and without fractions
        assert names(search(store, {"created_at": {"lt": "2024-01-01T01:00:03+01:00"}})) == ["ann", "bob"]
        assert names(search(store, {"created_at": {"eq": "2024-01-01T00:00:03Z"}})) == ["cid"]
        assert names(search(store, {"updated_at": {"lte": "2024-01-01"}})) == []

    def test_data_datetimes_compare_as_instants(self, store):
        for name, when in [("a", "2024-03-01T10:00:00Z"), ("b", "2024-03-01T12:00:00+01:00"), ("c", "2024-03-02")]:
            store.create({"name": name, "when": when}, "dep", "people", None)
        # b is 11:00Z, after a; c is the next day
        assert names(search(store, {"when": {"gt": "2024-03-01T10:30:00Z"}})) == ["b", "c"]

    def test_bad_timestamp_operand_is_rejected_with_its_location(self, store, people):
        with pytest.raises(InvalidField) as e:
            search(store, {"created_at": {"gte": "yesterday"}})
        assert e.value.loc == ("body", "filter", "created_at", "gte")
        assert "ISO 8601" in e.value.msg


class TestSorting:
    def test_default_is_newest_first(self, store, people):
        page = store.search(store.scope("dep", "people", None))
        assert names(page) == ["fay", "eve", "dee", "cid", "bob", "ann"]

    def test_mixed_types_missing_last_in_both_directions(self, store, people):
        # numbers < strings; fay has no age and comes last either way
        assert names(search(store, order_by="data.age")) == ["bob", "ann", "eve", "cid", "dee", "fay"]
        assert names(search(store, order_by="data.age desc")) == ["dee", "cid", "eve", "ann", "bob", "fay"]

    def test_several_terms_with_mixed_directions(self, store, people):
        page = search(
            store, {"status": {"includes": ["active", "inactive"]}}, order_by="data.status desc, data.name desc"
        )
        assert names(page) == ["bob", "fay", "dee", "cid", "ann"]

    def test_ties_are_broken_by_id(self, store):
        made = [store.create({"group": 1, "n": i}, "dep", "people", None) for i in range(5)]
        page = search(store, order_by="data.group")
        assert [item["id"] for item in page["items"]] == sorted(r["id"] for r in made)

    def test_bare_names_are_paths_inside_data(self, store, people):
        # what the vendor's workflow server sends ("sequence desc"), read as "data.sequence desc"
        assert names(search(store, order_by="age desc")) == names(search(store, order_by="data.age desc"))
        assert names(search(store, order_by="status, name desc")) == ["fay", "dee", "cid", "ann", "bob", "eve"]
        assert names(search(store, order_by="contact.email desc, name")) == ["ann", "bob", "cid", "dee", "eve", "fay"]

    def test_the_item_with_the_largest_sequence_comes_first(self, store):
        # how the workflow server finds a run's last event: page_size 1, "sequence desc"
        for sequence in (2, 0, 10, 1):
            store.create({"run_id": "r", "sequence": sequence}, "dep", "events", None)
        store.create({"run_id": "other", "sequence": 99}, "dep", "events", None)
        scope = store.scope("dep", "events", None)
        last = store.search(scope, Query({"run_id": {"eq": "r"}}, "sequence desc", page_size=1))
        assert [item["data"]["sequence"] for item in last["items"]] == [10]
        after = store.search(scope, Query({"run_id": {"eq": "r"}, "sequence": {"gte": 1}}, "sequence"))
        assert [item["data"]["sequence"] for item in after["items"]] == [1, 2, 10]

    @pytest.mark.parametrize("order_by", ["data", "data.", "created_at sideways", "data.a desc extra", ","])
    def test_bad_order_by(self, store, people, order_by):
        with pytest.raises(InvalidField) as e:
            search(store, order_by=order_by)
        assert e.value.loc == ("body", "order_by")


class TestPagination:
    def test_offset_pages_and_total(self, store, people):
        first = search(store, page_size=4, include_total=True)
        assert names(first) == ["ann", "bob", "cid", "dee"]
        assert first["total_size"] == 6 and first["next_page_token"]
        second = search(store, page_size=4, offset=4)
        assert names(second) == ["eve", "fay"]
        assert second["next_page_token"] is None and "total_size" not in second

    def test_page_token_walks_every_record_once_and_wins_over_offset(self, store, people):
        seen, token, pages = [], None, 0
        while True:
            # the 2.x SDK resends the whole first body, offset included, with the token merged in
            page = search(store, page_size=2, offset=1, page_token=token)
            seen += names(page)
            pages += 1
            token = page["next_page_token"]
            if token is None:
                break
        assert seen == ["bob", "cid", "dee", "eve", "fay"] and pages == 3

    def test_exactly_full_last_page_has_no_token(self, store, people):
        assert search(store, page_size=6)["next_page_token"] is None
        assert search(store, page_size=3, offset=3)["next_page_token"] is None

    def test_page_size_is_capped_at_1000(self, store):
        for i in range(1002):
            store.create({"i": i}, "dep", "big", None)
        page = store.search(store.scope("dep", "big", None), Query(page_size=5000))
        assert len(page["items"]) == 1000 and page["next_page_token"]

    def test_default_page_size_is_50(self, store):
        for i in range(51):
            store.create({"i": i}, "dep", "big", None)
        assert len(store.search(store.scope("dep", "big", None))["items"]) == 50

    def test_foreign_page_token_is_rejected(self, store, people):
        with pytest.raises(InvalidField) as e:
            search(store, page_token="not-a-token")
        assert e.value.loc == ("body", "page_token")


class TestAggregate:
    def aggregate(self, store, group_by=None, count=None, first=None, **kwargs):
        return store.aggregate(store.scope("dep", "people", None), Query(**kwargs), group_by, count, first)

    def test_group_count_and_first(self, store, people):
        result = self.aggregate(store, group_by=["status"], count=True, first=True)
        assert result["items"] == [
            {"group_key": {"status": "active"}, "count": 4, "first_item": people[0]["data"]},
            {"group_key": {"status": "inactive"}, "count": 1, "first_item": people[1]["data"]},
            {"group_key": {"status": None}, "count": 1, "first_item": people[4]["data"]},
        ]
        assert result["next_page_token"] is None

    def test_no_group_by_is_one_group(self, store, people):
        result = self.aggregate(store, count=True, filter={"status": {"eq": "active"}})
        assert result["items"] == [{"group_key": {}, "count": 4}]
        assert self.aggregate(store, count=True, filter={"status": {"eq": "nobody"}})["items"] == []

    def test_order_by_count_and_keys_with_pagination(self, store, people):
        result = self.aggregate(
            store, group_by=["status"], count=True, order_by="count desc, data.status", page_size=2, include_total=True
        )
        assert [g["group_key"]["status"] for g in result["items"]] == ["active", "inactive"]
        assert result["total_size"] == 3
        rest = self.aggregate(
            store,
            group_by=["status"],
            count=True,
            order_by="count desc, data.status",
            page_token=result["next_page_token"],
        )
        assert rest["items"] == [{"group_key": {"status": None}, "count": 1}]

    def test_several_paths_and_unhashable_values(self, store, people):
        result = self.aggregate(store, group_by=["status", "tags"], count=True, order_by="data.status desc")
        # null sorts after strings, so first in descending order; equal statuses keep first-seen order
        assert [(g["group_key"]["status"], g["group_key"]["tags"], g["count"]) for g in result["items"]] == [
            (None, ["ml"], 1),
            ("inactive", ["go"], 1),
            ("active", ["python", "ml"], 1),
            ("active", [], 1),
            ("active", None, 2),  # dee and fay have no tags
        ]

    def test_true_and_one_are_different_groups(self, store):
        for value in [True, 1, 1, True, "1"]:
            store.create({"v": value}, "dep", "people", None)
        result = self.aggregate(store, group_by=["v"], count=True)
        assert result["items"] == [
            {"group_key": {"v": 1}, "count": 2},
            {"group_key": {"v": "1"}, "count": 1},
            {"group_key": {"v": True}, "count": 2},
        ]

    def test_first_is_earliest_even_when_stored_out_of_order(self, store, people):
        # an update does not change created_at: the first item stays the earliest-created
        store.update(people[0]["id"], {"name": "ann2", "status": "active"}, None)
        result = self.aggregate(store, group_by=["status"], first=True, filter={"status": {"eq": "active"}})
        assert result["items"] == [
            {"group_key": {"status": "active"}, "first_item": {"name": "ann2", "status": "active"}}
        ]

    def test_sorting_by_a_path_outside_group_by_is_rejected(self, store, people):
        for order_by in ("data.name", "name"):
            with pytest.raises(InvalidField):
                self.aggregate(store, group_by=["status"], order_by=order_by)

    def test_a_bare_group_by_path_sorts_as_its_data_path(self, store, people):
        bare = self.aggregate(store, group_by=["status"], order_by="status desc")
        assert bare == self.aggregate(store, group_by=["status"], order_by="data.status desc")
        assert [g["group_key"]["status"] for g in bare["items"]] == [None, "inactive", "active"]


class TestLifecycle:
    def test_create_defaults_and_timestamps(self, store):
        record = store.create({"a": 1}, "_public", None, None)
        assert record["collection"] == "default" and record["project_id"] == "proj-default"
        assert record["created_at"] == record["updated_at"]

    def test_update_overwrites_data_and_bumps_updated_at_only(self, store):
        record = store.create({"a": 1, "b": 2}, "dep", "c", None)
        created_at = record["created_at"]
        updated = store.update(record["id"], {"c": 3}, None)
        assert updated["data"] == {"c": 3}
        assert updated["created_at"] == created_at and updated["updated_at"] > created_at

    def test_projects_isolate_records(self, store):
        record = store.create({"a": 1}, "dep", "c", "proj-a")
        assert store.get(record["id"], "proj-a")["data"] == {"a": 1}
        assert store.get(record["id"], None)["id"] == record["id"]  # no project named: found by id
        for call in (
            lambda: store.get(record["id"], "proj-b"),
            lambda: store.delete(record["id"], "proj-b"),
            lambda: store.update(record["id"], {}, "proj-b"),
        ):
            with pytest.raises(NotFound):
                call()
        assert store.search(store.scope("dep", "c", "proj-b"))["items"] == []
        assert len(store.search(store.scope("dep", "c", "proj-a"))["items"]) == 1

    def test_collections_and_deployments_are_separate(self, store):
        store.create({"a": 1}, "dep", "one", None)
        store.create({"a": 2}, "dep", "two", None)
        store.create({"a": 3}, "other", "one", None)
        assert [r["data"]["a"] for r in store.search(store.scope("dep", "one", None))["items"]] == [1]

    def test_delete_by_query_deletes_only_matches(self, store, people):
        scope = store.scope("dep", "people", None)
        assert store.delete_by_query(scope, {"status": {"eq": "active"}, "age": {"gte": 60}}) == 1
        assert names(search(store)) == ["ann", "bob", "dee", "eve", "fay"]
        assert store.delete_by_query(scope, {"status": {"eq": "nobody"}}) == 0
        assert store.delete_by_query(scope, None) == 5
        assert search(store)["items"] == []

    def test_bad_filter_deletes_nothing(self, store, people):
        with pytest.raises(InvalidField):
            store.delete_by_query(store.scope("dep", "people", None), {"created_at": {"gt": "soon"}})
        assert len(search(store)["items"]) == 6

    def test_delete_then_get_is_not_found(self, store):
        record = store.create({"a": 1}, "dep", "c", None)
        store.delete(record["id"], None)
        with pytest.raises(NotFound):
            store.get(record["id"], None)
