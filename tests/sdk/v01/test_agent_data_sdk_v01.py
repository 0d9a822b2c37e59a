"""llama-cloud-services 0.6.94 ``AsyncAgentDataClient`` (over llama-cloud 0.1.46) against the fake.

Every example of seed 001, typed and untyped, built as the seed builds its client: a Fern
``AsyncLlamaCloud`` on the user's own ``httpx.AsyncClient``, whose ``Project-Id`` header is the only
way this SDK scopes to a project. Where the seed is wrong about the SDK (wire-format.md 7.1), the
tests assert what the SDK really does.
"""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cloud_services")  # runs in the sdk-v01 venv (make test-sdk)

import httpx  # noqa: E402
from llama_cloud.client import AsyncLlamaCloud  # noqa: E402
from llama_cloud.core.api_error import ApiError  # noqa: E402
from llama_cloud.errors import UnprocessableEntityError  # noqa: E402
from llama_cloud_services.beta.agent_data import AsyncAgentDataClient, ExtractedData  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from tests.sdk.sdk_data import PEOPLE, SHARED_FILTER_CASES  # noqa: E402


class ExtractedPerson(BaseModel):  # seed 001
    name: str
    age: int
    email: str


class Person(ExtractedPerson):  # the shape of sdk_data.PEOPLE
    status: str
    tags: list[str]
    department: str
    role: str


class Invoice(BaseModel):  # seed 001
    vendor: str | None = None
    total: float | None = None
    date: str | None = None


@pytest.fixture
async def make_client(base_url, api_key, deployment_name):
    """Factory of AsyncAgentDataClient(type, collection, project_id) in this test's deployment."""
    http_clients = []

    def make(type_, collection="default", project_id=None, token=api_key):
        http_client = httpx.AsyncClient(headers={"Project-Id": project_id} if project_id else None)
        http_clients.append(http_client)
        base_client = AsyncLlamaCloud(base_url=base_url, token=token, httpx_client=http_client)
        return AsyncAgentDataClient(type=type_, collection=collection, deployment_name=deployment_name,
                                    client=base_client)

    yield make
    for http_client in http_clients:
        await http_client.aclose()


@pytest.fixture
async def people(make_client) -> AsyncAgentDataClient[Person]:
    """A client of collection "people", holding PEOPLE (created one at a time, in order)."""
    client = make_client(Person, collection="people")
    for person in PEOPLE:
        await client.create_item(Person(**person))
    return client


def names(items) -> list[str]:
    """Names of typed items (data is a Person) or raw ones (data is a dict)."""
    return [item.data["name"] if isinstance(item.data, dict) else item.data.name for item in items]


async def assert_not_found(call) -> None:
    """The 0.6.94 SDK raises Fern's ApiError(404), not the httpx.HTTPStatusError that seed 001 claims."""
    with pytest.raises(ApiError) as raised:
        await call
    assert raised.value.status_code == 404
    assert not isinstance(raised.value, httpx.HTTPStatusError)


# --------------------------------------------------------------------------- CRUD
async def test_create_get_update_delete_seed(make_client, deployment_name):
    client = make_client(ExtractedPerson, collection="extracted_people")
    person = ExtractedPerson(name="John Doe", age=30, email="john@example.com")
    created = await client.create_item(person)
    assert created.id
    assert (created.deployment_name, created.collection, created.data) == (deployment_name, "extracted_people", person)
    assert created.created_at == created.updated_at

    fetched = await client.get_item(created.id)
    assert fetched == created

    jane = ExtractedPerson(name="Jane", age=31, email="jane@example.com")
    updated = await client.update_item(created.id, jane)
    assert (updated.id, updated.data) == (created.id, jane)
    assert updated.created_at == created.created_at
    assert updated.updated_at > created.updated_at
    assert (await client.get_item(created.id)).data == jane

    assert await client.delete_item(updated.id) is None
    await assert_not_found(client.get_item(created.id))
    await assert_not_found(client.untyped_get_item(created.id))
    await assert_not_found(client.delete_item(created.id))


async def test_update_overwrites_the_whole_data(make_client):
    full = make_client(Person, collection="people")
    created = await full.create_item(Person(**PEOPLE[0]))
    narrow = make_client(ExtractedPerson, collection="people")
    await narrow.update_item(created.id, ExtractedPerson(name="bob", age=46, email="bob@example.com"))
    assert (await full.untyped_get_item(created.id)).data == {"name": "bob", "age": 46, "email": "bob@example.com"}

# --------------------------------------------------------------------------- delete by query
async def test_delete_by_query_seed(people):
    deleted_count = await people.delete(filter={"status": {"eq": "inactive"}, "age": {"gte": 65}})
    assert deleted_count == 1  # frank
    assert names((await people.search(order_by="data.name")).items) == ["alice", "bob", "carol", "dave", "erin"]
    assert await people.delete(filter={"status": {"eq": "inactive"}, "age": {"gte": 65}}) == 0
    assert await people.delete() == 5  # no filter: the whole collection
    assert (await people.search(include_total=True)).total == 0


# --------------------------------------------------------------------------- search
@pytest.mark.parametrize(("filter_", "expected"), list(SHARED_FILTER_CASES.values()), ids=list(SHARED_FILTER_CASES))
async def test_search_filter_operators(people, filter_, expected):
    results = await people.search(filter=filter_)
    assert sorted(names(results.items)) == sorted(expected)
    assert (results.has_more, results.total) == (False, None)


async def test_search_seed(people):
    results = await people.search(
        filter={
            "age": {"gte": 21, "lt": 65},
            "status": {"eq": "active"},
            "tags": {"includes": ["python", "ml"]},
            "created_at": {"gte": "2024-01-01T00:00:00Z"},
        },
        order_by="data.name desc, created_at",
        page_size=50,
        offset=0,
        include_total=True,
    )
    assert names(results.items) == ["carol", "alice"]
    assert all(isinstance(item.data, Person) for item in results.items)
    assert (results.has_more, results.total) == (False, 2)


async def test_search_defaults_newest_first(people):
    results = await people.search()  # every optional field sent as an explicit null
    assert names(results.items) == ["frank", "erin", "dave", "carol", "alice", "bob"]
    assert (results.has_more, results.total) == (False, None)


async def test_search_offset_pagination(people):
    pages = [
        await people.search(order_by="data.name", page_size=2, offset=offset, include_total=offset == 0)
        for offset in (0, 2, 4, 6)
    ]
    assert [names(page.items) for page in pages] == [["alice", "bob"], ["carol", "dave"], ["erin", "frank"], []]
    assert [page.has_more for page in pages] == [True, True, False, False]  # next_page_token is not None
    assert [page.total for page in pages] == [6, None, None, None]


# --------------------------------------------------------------------------- aggregate
async def test_aggregate_seed(people):
    agg = await people.aggregate(
        filter={"status": {"eq": "active"}},
        group_by=["department", "role"],
        count=True,
        first=True,  # the earliest item per group (by created_at)
        order_by="data.department asc, data.role asc",
        page_size=100,
    )
    assert [(group.group_key, group.count, group.first_item) for group in agg.items] == [
        ({"department": "Engineering", "role": "IC"}, 1, Person(**PEOPLE[2])),
        ({"department": "Engineering", "role": "Manager"}, 1, Person(**PEOPLE[3])),
        ({"department": "Sales", "role": "AE"}, 1, Person(**PEOPLE[1])),
    ]
    assert (agg.has_more, agg.total) == (False, None)

    everyone = await people.aggregate(group_by=["department", "role"], count=True, first=True)
    sales_ae = next(g for g in everyone.items if g.group_key == {"department": "Sales", "role": "AE"})
    assert (sales_ae.count, sales_ae.first_item.name) == (2, "bob")  # bob was created before alice


async def test_aggregate_order_and_offset_pagination(people):
    pages = [
        await people.aggregate(group_by=["department"], count=True, order_by="count desc", page_size=2, offset=offset)
        for offset in (0, 2)
    ]
    assert [[(g.group_key["department"], g.count, g.first_item) for g in page.items] for page in pages] == [
        [("Sales", 3, None), ("Engineering", 2, None)],
        [("Support", 1, None)],
    ]
    assert [page.has_more for page in pages] == [True, False]

    counted = await people.aggregate(count=True)  # no group_by: one group of everything
    assert [(g.group_key, g.count) for g in counted.items] == [({}, 6)]


# --------------------------------------------------------------------------- untyped
async def test_untyped_seed(people, deployment_name):
    [carol] = (await people.search(filter={"name": {"eq": "carol"}})).items

    raw_item = await people.untyped_get_item(carol.id)
    assert (raw_item.id, raw_item.deployment_name, raw_item.collection) == (carol.id, deployment_name, "people")
    assert raw_item.data["name"] == "carol"
    assert raw_item.data == PEOPLE[2]

    raw_page = await people.untyped_search(
        filter={"status": {"eq": "active"}}, order_by="data.name desc, created_at", page_size=50
    )
    assert names(raw_page.items) == ["dave", "carol", "alice"]
    assert all(isinstance(item.data, dict) for item in raw_page.items)
    assert (raw_page.next_page_token, raw_page.total_size) == (None, None)

    first_two = await people.untyped_search(order_by="data.name", page_size=2, include_total=True)
    assert names(first_two.items) == ["alice", "bob"]
    assert isinstance(first_two.next_page_token, str) and first_two.next_page_token
    assert first_two.total_size == 6

    raw_groups = await people.untyped_aggregate(
        filter={"status": {"eq": "active"}}, group_by=["department", "role"], count=True, first=True
    )
    assert [(g.group_key, g.count, g.first_item) for g in raw_groups.items] == [  # by group key, ascending
        ({"department": "Engineering", "role": "IC"}, 1, PEOPLE[2]),
        ({"department": "Engineering", "role": "Manager"}, 1, PEOPLE[3]),
        ({"department": "Sales", "role": "AE"}, 1, PEOPLE[1]),
    ]
    assert (raw_groups.next_page_token, raw_groups.total_size) == (None, None)


# --------------------------------------------------------------------------- ExtractedData
async def test_extracted_data_invoice_seed(make_client):
    client = make_client(ExtractedData[Invoice], collection="invoices")
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
    created = await client.create_item(extracted)
    assert created.data == extracted
    await client.create_item(ExtractedData.create(data=Invoice(vendor="Globex", total=99.5), status="accepted"))

    fetched = await client.get_item(created.id)
    assert fetched.data == extracted
    assert fetched.data.data == invoice
    assert (fetched.data.file_id, fetched.data.file_name, fetched.data.status) == (
        "file-abc123", "invoice.pdf", "pending_review",
    )
    assert fetched.data.overall_confidence == pytest.approx(0.935)
    assert fetched.data.field_metadata["vendor"].citation[0].matching_text == "Acme Corp"

    pending = await client.search(filter={"status": {"eq": "pending_review"}})
    assert [item.id for item in pending.items] == [created.id]
    totals = await client.search(filter={"data.total": {"lt": 1000}})
    assert [item.data.data.vendor for item in totals.items] == ["Globex"]


# --------------------------------------------------------------------------- projects, errors
async def test_project_id_header_isolation(make_client, project_ids):
    project_a, project_b = project_ids
    in_a = make_client(ExtractedPerson, project_id=project_a)
    in_b = make_client(ExtractedPerson, project_id=project_b)
    person = ExtractedPerson(name="John Doe", age=30, email="john@example.com")
    created = await in_a.create_item(person)
    assert (await in_a.untyped_get_item(created.id)).project_id == project_a

    await assert_not_found(in_b.get_item(created.id))
    await assert_not_found(in_b.update_item(created.id, person))
    await assert_not_found(in_b.delete_item(created.id))
    assert (await in_b.search(include_total=True)).total == 0
    assert (await in_b.aggregate(count=True)).items == []
    assert await in_b.delete() == 0

    assert [item.id for item in (await in_a.search()).items] == [created.id]
    assert (await in_a.get_item(created.id)).data == person
    created_in_b = await in_b.create_item(person)
    assert (await in_b.untyped_get_item(created_in_b.id)).project_id == project_b
    assert [item.id for item in (await in_a.search()).items] == [created.id]


async def test_unknown_filter_operator_is_422(people):
    with pytest.raises(UnprocessableEntityError) as raised:
        await people.search(filter={"age": {"between": [1, 2]}})
    [error] = raised.value.body.detail  # parsed strictly as Fern's HttpValidationError
    assert error.loc == ["body", "filter", "age", "between"]


async def test_wrong_token_is_401(make_client):
    intruder = make_client(ExtractedPerson, token="wrong-key")
    with pytest.raises(ApiError) as raised:
        await intruder.create_item(ExtractedPerson(name="x", age=1, email="x@example.com"))
    assert raised.value.status_code == 401
    assert "Invalid API key" in raised.value.body["detail"]
