"""llama-cloud 2.19.0 (Stainless) against the fake: ``client.beta.agent_data``, async and sync.

Seed 000's examples included (``ExtractedData`` stored with ``create(data=extracted.model_dump())``).
"""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cloud", minversion="2")  # runs in the sdk-v2 venv (make test-sdk)

from llama_cloud import (  # noqa: E402
    AsyncLlamaCloud,
    AuthenticationError,
    LlamaCloud,
    NotFoundError,
    UnprocessableEntityError,
)
from llama_cloud.types.beta.extracted_data import ExtractedData  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from tests.sdk.sdk_data import PEOPLE, SHARED_FILTER_CASES  # noqa: E402
from tests.support import DEFAULT_PROJECT_ID  # noqa: E402

FILTER_CASES = {
    **SHARED_FILTER_CASES,
    "ne": ({"status": {"ne": "active"}}, {"bob", "erin", "frank"}),
    "excludes": ({"tags": {"excludes": ["python", "ml"]}}, {"bob", "dave", "frank"}),
}


class Invoice(BaseModel):  # seed 000
    vendor: str | None = None
    total: float | None = None
    date: str | None = None


@pytest.fixture
async def client(base_url, api_key):
    async with AsyncLlamaCloud(api_key=api_key, base_url=base_url) as client:
        yield client


async def create_people(client: AsyncLlamaCloud, deployment_name: str, **scope) -> dict:
    """PEOPLE in collection "people", one at a time (creation order matters); records by name."""
    created = {}
    for person in PEOPLE:
        record = await client.beta.agent_data.create(
            data=person, deployment_name=deployment_name, collection="people", **scope
        )
        created[person["name"]] = record
    return created


async def collect(paginator) -> list:
    """Every item of every page (the SDK re-POSTs the search with each next_page_token)."""
    return [item async for item in paginator]


def names(records) -> list[str]:
    return [record.data["name"] for record in records]


# --------------------------------------------------------------------------- CRUD
async def test_create_get_update_delete(client, deployment_name):
    agent_data = client.beta.agent_data
    created = await agent_data.create(data={"name": "John Doe", "age": 30}, deployment_name=deployment_name)
    assert created.id
    assert (created.deployment_name, created.collection, created.project_id) == (
        deployment_name, "default", DEFAULT_PROJECT_ID,
    )
    assert created.data == {"name": "John Doe", "age": 30}
    assert created.created_at == created.updated_at
    assert await agent_data.get(created.id) == created

    updated = await agent_data.update(created.id, data={"name": "Jane"})
    assert (updated.id, updated.data) == (created.id, {"name": "Jane"})  # overwritten: "age" is gone
    assert updated.created_at == created.created_at
    assert updated.updated_at > created.updated_at
    assert await agent_data.get(created.id) == updated

    assert await agent_data.delete(created.id) == {}
    with pytest.raises(NotFoundError) as raised:
        await agent_data.get(created.id)
    assert raised.value.status_code == 404
    assert created.id in raised.value.body["detail"]
    with pytest.raises(NotFoundError):
        await agent_data.delete(created.id)


def test_sync_client(base_url, api_key, deployment_name):
    with LlamaCloud(api_key=api_key, base_url=base_url) as client:
        agent_data = client.beta.agent_data
        scope = {"deployment_name": deployment_name, "collection": "people"}
        created = [agent_data.create(data=person, **scope) for person in PEOPLE]
        bob, frank = created[0], created[-1]
        assert agent_data.get(bob.id).data == PEOPLE[0]
        assert agent_data.update(bob.id, data={**PEOPLE[0], "status": "active"}).data["status"] == "active"

        active = list(agent_data.search(**scope, filter={"status": {"eq": "active"}}, order_by="data.name",
                                        page_size=2))  # two pages
        assert names(active) == ["alice", "bob", "carol", "dave"]
        groups = list(agent_data.aggregate(**scope, group_by=["status"], count=True))
        assert [(g.group_key, g.count) for g in groups] == [
            ({"status": "active"}, 4), ({"status": "inactive"}, 1), ({"status": "pending"}, 1),
        ]

        assert agent_data.delete_by_query(**scope, filter={"status": {"eq": "active"}}).deleted_count == 4
        assert agent_data.delete(frank.id) == {}
        assert names(agent_data.search(**scope)) == ["erin"]
        with pytest.raises(NotFoundError):
            agent_data.get(frank.id)


# --------------------------------------------------------------------------- search
@pytest.mark.parametrize(("filter_", "expected"), list(FILTER_CASES.values()), ids=list(FILTER_CASES))
async def test_search_filter_operators(client, deployment_name, filter_, expected):
    await create_people(client, deployment_name)
    found = await collect(
        client.beta.agent_data.search(deployment_name=deployment_name, collection="people", filter=filter_)
    )
    assert sorted(names(found)) == sorted(expected)


async def test_search_filter_on_timestamps(client, deployment_name):
    people = await create_people(client, deployment_name)
    bob, carol, dave, frank = (people[n] for n in ("bob", "carol", "dave", "frank"))
    cases = [  # datetimes are sent as ISO 8601 with +00:00, strings as given
        ({"created_at": {"gt": bob.created_at}}, ["alice", "carol", "dave", "erin", "frank"]),
        ({"created_at": {"lte": carol.created_at}}, ["bob", "alice", "carol"]),
        ({"created_at": {"gte": "2024-01-01T00:00:00Z", "lt": carol.created_at}}, ["bob", "alice"]),
        ({"created_at": {"eq": dave.created_at}}, ["dave"]),
        ({"created_at": {"ne": dave.created_at}}, ["bob", "alice", "carol", "erin", "frank"]),
        ({"created_at": {"lt": "2024-01-01T00:00:00Z"}}, []),
    ]
    for filter_, expected in cases:
        found = await collect(client.beta.agent_data.search(
            deployment_name=deployment_name, collection="people", filter=filter_, order_by="created_at",
        ))
        assert names(found) == expected, filter_

    await client.beta.agent_data.update(carol.id, data=PEOPLE[2])
    touched = await collect(client.beta.agent_data.search(
        deployment_name=deployment_name, collection="people", filter={"updated_at": {"gt": frank.updated_at}},
    ))
    assert names(touched) == ["carol"]


async def test_search_order_by(client, deployment_name):
    await create_people(client, deployment_name)
    late_alice = await client.beta.agent_data.create(
        data={"name": "alice", "age": 99}, deployment_name=deployment_name, collection="people"
    )
    search = client.beta.agent_data.search

    found = await collect(search(deployment_name=deployment_name, collection="people",
                                 order_by="data.name desc, created_at"))
    assert names(found) == ["frank", "erin", "dave", "carol", "bob", "alice", "alice"]
    assert [r.data["age"] for r in found[-2:]] == [30, 99]  # the tie on name, by created_at ascending

    newest_first = await collect(search(deployment_name=deployment_name, collection="people"))
    assert names(newest_first) == ["alice", "frank", "erin", "dave", "carol", "alice", "bob"]
    assert newest_first[0].id == late_alice.id

    by_age = await collect(search(deployment_name=deployment_name, collection="people", order_by="data.age desc"))
    assert [r.data["age"] for r in by_age] == [99, 70, 65, 45, 30, 21, 17]


async def test_search_pages_and_total(client, deployment_name):
    await create_people(client, deployment_name)
    search = client.beta.agent_data.search
    first = await search(deployment_name=deployment_name, collection="people", order_by="data.name",
                         page_size=4, include_total=True)
    assert names(first.items) == ["alice", "bob", "carol", "dave"]
    assert first.total_size == 6
    assert first.next_page_token
    assert first.has_next_page()

    last = await first.get_next_page()
    assert names(last.items) == ["erin", "frank"]
    assert last.next_page_token is None
    assert last.total_size == 6  # the next page re-POSTs the whole body, include_total too
    assert not last.has_next_page()

    untotalled = await search(deployment_name=deployment_name, collection="people", page_size=4)
    assert getattr(untotalled, "total_size", None) is None

    by_offset = await search(deployment_name=deployment_name, collection="people", order_by="data.name", offset=3)
    assert names(by_offset.items) == ["dave", "erin", "frank"]


async def test_auto_pagination_across_pages(client, deployment_name):
    ids = [
        (await client.beta.agent_data.create(data={"index": i}, deployment_name=deployment_name)).id
        for i in range(25)
    ]
    search = client.beta.agent_data.search

    items = await collect(search(deployment_name=deployment_name, page_size=10, order_by="data.index"))
    assert [r.data["index"] for r in items] == list(range(25))
    assert [r.id for r in items] == ids

    first = await search(deployment_name=deployment_name, page_size=10)
    pages = [page async for page in first.iter_pages()]
    assert [len(page.items) for page in pages] == [10, 10, 5]
    assert [r.id for page in pages for r in page.items] == ids[::-1]  # default order: created_at desc


# --------------------------------------------------------------------------- aggregate
async def test_aggregate_group_by_count_first(client, deployment_name):
    await create_people(client, deployment_name)
    aggregate = client.beta.agent_data.aggregate
    scope = {"deployment_name": deployment_name, "collection": "people"}

    groups = await collect(aggregate(**scope, group_by=["department", "role"], count=True, first=True,
                                     order_by="data.department asc, data.role asc"))
    assert [(g.group_key, g.count, g.first_item["name"]) for g in groups] == [
        ({"department": "Engineering", "role": "IC"}, 1, "carol"),
        ({"department": "Engineering", "role": "Manager"}, 1, "dave"),
        ({"department": "Sales", "role": "AE"}, 2, "bob"),  # bob was created before alice
        ({"department": "Sales", "role": "SE"}, 1, "erin"),
        ({"department": "Support", "role": "Lead"}, 1, "frank"),
    ]
    assert groups[2].first_item == PEOPLE[0]  # the earliest record's data, not the record

    active = await collect(aggregate(**scope, filter={"status": {"eq": "active"}}, group_by=["department", "role"],
                                     count=True, first=True, order_by="data.department asc, data.role asc",
                                     page_size=100))
    assert [(g.group_key["role"], g.count, g.first_item["name"]) for g in active] == [
        ("IC", 1, "carol"), ("Manager", 1, "dave"), ("AE", 1, "alice"),
    ]

    first = await aggregate(**scope, group_by=["department"], count=True, order_by="count desc", page_size=1)
    pages = [page async for page in first.iter_pages()]
    assert [[(g.group_key["department"], g.count) for g in page.items] for page in pages] == [
        [("Sales", 3)], [("Engineering", 2)], [("Support", 1)],
    ]
    assert pages[0].items[0].first_item is None  # first not asked for

    [everyone] = await collect(aggregate(**scope, count=True))
    assert (everyone.group_key, everyone.count) == ({}, 6)


# --------------------------------------------------------------------------- delete by query
async def test_delete_by_query(client, deployment_name):
    await create_people(client, deployment_name)
    other = await client.beta.agent_data.create(data={"name": "elsewhere"}, deployment_name=deployment_name)
    agent_data = client.beta.agent_data
    scope = {"deployment_name": deployment_name, "collection": "people"}

    frank_only = {"status": {"eq": "inactive"}, "age": {"gte": 65}}
    assert (await agent_data.delete_by_query(**scope, filter=frank_only)).deleted_count == 1
    assert (await agent_data.delete_by_query(**scope, filter=frank_only)).deleted_count == 0
    assert (await agent_data.delete_by_query(**scope, filter={"status": {"ne": "active"}})).deleted_count == 2
    assert names(await collect(agent_data.search(**scope, order_by="data.name"))) == ["alice", "carol", "dave"]

    assert (await agent_data.delete_by_query(**scope)).deleted_count == 3  # no filter: the whole collection
    assert await collect(agent_data.search(**scope)) == []
    assert (await agent_data.get(other.id)).data == {"name": "elsewhere"}  # other collections untouched


# --------------------------------------------------------------------------- projects, errors
async def test_project_scoping(client, base_url, api_key, deployment_name, project_ids):
    project_a, project_b = project_ids
    agent_data = client.beta.agent_data
    record = await agent_data.create(data={"name": "scoped"}, deployment_name=deployment_name, project_id=project_a)
    assert record.project_id == project_a
    assert (await agent_data.get(record.id, project_id=project_a)).data == {"name": "scoped"}

    for call in (
        lambda: agent_data.get(record.id, project_id=project_b),
        lambda: agent_data.update(record.id, data={}, project_id=project_b),
        lambda: agent_data.delete(record.id, project_id=project_b),
    ):
        with pytest.raises(NotFoundError):
            await call()
    assert await collect(agent_data.search(deployment_name=deployment_name, project_id=project_b)) == []
    assert await collect(agent_data.aggregate(deployment_name=deployment_name, project_id=project_b, count=True)) == []
    assert (await agent_data.delete_by_query(deployment_name=deployment_name, project_id=project_b)).deleted_count == 0
    in_a = await collect(agent_data.search(deployment_name=deployment_name, project_id=project_a))
    assert [r.id for r in in_a] == [record.id]
    assert await collect(agent_data.search(deployment_name=deployment_name)) == []  # the default project
    assert (await agent_data.get(record.id)).project_id == project_a  # no project named: found by id

    # a client-wide Project-Id header scopes like the query parameter
    async with AsyncLlamaCloud(api_key=api_key, base_url=base_url, default_headers={"Project-Id": project_b}) as in_b:
        with pytest.raises(NotFoundError):
            await in_b.beta.agent_data.get(record.id)
        created_in_b = await in_b.beta.agent_data.create(data={"name": "b"}, deployment_name=deployment_name)
    assert created_in_b.project_id == project_b
    in_b_by_query = await collect(agent_data.search(deployment_name=deployment_name, project_id=project_b))
    assert [r.id for r in in_b_by_query] == [created_in_b.id]


async def test_unknown_filter_operator_is_422(client, deployment_name):
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.beta.agent_data.search(deployment_name=deployment_name, filter={"age": {"between": [1, 2]}})
    assert raised.value.status_code == 422
    [error] = raised.value.body["detail"]
    assert error["loc"] == ["body", "filter", "age", "between"]


async def test_wrong_api_key_is_401(client, base_url, deployment_name):
    async with AsyncLlamaCloud(api_key="wrong-key", base_url=base_url) as intruder:
        with pytest.raises(AuthenticationError) as raised:
            await intruder.beta.agent_data.create(data={"name": "x"}, deployment_name=deployment_name)
    assert raised.value.status_code == 401
    assert await collect(client.beta.agent_data.search(deployment_name=deployment_name)) == []


# --------------------------------------------------------------------------- seed 000: ExtractedData
async def test_extracted_data_seed_000(client, deployment_name):
    invoice = Invoice(vendor="Acme Corp", total=1500.00, date="2024-01-15")
    extracted = ExtractedData.create(
        data=invoice,
        status="pending_review",
        file_id="file-abc123",
        file_name="invoice.pdf",
        file_hash="sha256:...",
        field_metadata={
            "vendor": {"confidence": 0.95, "citation": [{"page": 1, "matching_text": "Acme Corp"}]},
            "total": {"confidence": 0.92},
        },
    )
    scope = {"deployment_name": deployment_name, "collection": "invoices"}
    stored = await client.beta.agent_data.create(data=extracted.model_dump(), **scope)
    accepted = ExtractedData.create(data=Invoice(vendor="Globex", total=99.5), status="accepted")
    globex = await client.beta.agent_data.create(data=accepted.model_dump(), **scope)

    fetched = await client.beta.agent_data.get(stored.id)
    assert fetched.data == extracted.model_dump()
    restored = ExtractedData[Invoice].model_validate(fetched.data)
    assert restored == extracted
    assert restored.data == invoice
    assert restored.overall_confidence == pytest.approx(0.935)
    assert restored.field_metadata["vendor"].citation[0].matching_text == "Acme Corp"

    pending = await collect(client.beta.agent_data.search(**scope, filter={"status": {"eq": "pending_review"}}))
    assert [r.id for r in pending] == [stored.id]
    by_vendor = await collect(client.beta.agent_data.search(**scope, filter={"data.vendor": {"eq": "Globex"}}))
    assert [r.id for r in by_vendor] == [globex.id]


def test_a_base_url_ending_in_api_v1_is_told_which_to_use(base_url, api_key):
    with LlamaCloud(api_key=api_key, base_url=f"{base_url}/api/v1", max_retries=0) as client:
        with pytest.raises(NotFoundError) as raised:
            client.beta.agent_data.get("any-id")
    assert raised.value.status_code == 404
    assert f"give the client {base_url}, not {base_url}/api/v1" in raised.value.body["detail"]
