"""llama-cloud 2.19.0 (Stainless) against the fake: ``client.files``, ``client.extract`` (create,
get, list, cancel, delete, schemas, and the ``wait_for_completion`` / ``run`` helpers),
``ExtractedData.from_extract_job`` stored through ``client.beta.agent_data``, project reads, and
webhooks delivered to a receiver on localhost.

A server of this module's own, on a virtual clock whose jobs take 10 s (5 queued, 5 running):
jobs stay where they are until a test advances the clock through ``POST /_mock/clock/advance``.
Every response is checked against the spec (``--validate-responses``). Each test works in a
fresh project.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

pytest.importorskip("llama_cloud", minversion="2")  # runs in the sdk-v2 venv (make test-sdk)

import httpx  # noqa: E402
from llama_cloud import (  # noqa: E402
    AsyncLlamaCloud,
    ConflictError,
    LlamaCloud,
    NotFoundError,
    PollingError,
    UnprocessableEntityError,
)
from llama_cloud.types.beta.extracted_data import ExtractedData  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from tests.sdk.servers import fake_server  # noqa: E402
from tests.support import API_KEY, DEFAULT_PROJECT_ID, WebhookReceiver  # noqa: E402

INVOICE_TEXT = b"Vendor: Globex\nTotal: 1,250.00\nDate: 2024-01-15\n"
POLL = {"polling_interval": 0.02, "backoff": "constant"}  # the clock decides, not the wait


class Invoice(BaseModel):  # seed 000
    vendor: str | None = None
    total: float | None = None
    date: str | None = None


class StrictInvoice(BaseModel):
    vendor: str
    total: float | None = None


GLOBEX = Invoice(vendor="Globex", total=1250.0, date="2024-01-15")


@pytest.fixture(scope="module")
def clocked_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("clocked") / "server.log"
    with fake_server(log, "--virtual-clock", "--job-duration", "10") as url:
        yield url


@pytest.fixture
async def client(clocked_url):
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=clocked_url) as client:
        yield client


@pytest.fixture
def project() -> str:
    return str(uuid.uuid4())


def advance(base_url: str, seconds: float) -> None:
    response = httpx.post(f"{base_url}/_mock/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text


async def upload(client: AsyncLlamaCloud, project: str, name: str = "invoice.txt", content: bytes = INVOICE_TEXT):
    return await client.files.create(file=(name, content, "text/plain"), purpose="extract", project_id=project)


def configuration(schema: type[BaseModel] = Invoice, **options) -> dict:
    return {"data_schema": schema.model_json_schema(), **options}


# --------------------------------------------------------------------------- files
async def test_files_upload_retrieve_list_content_delete(client, project):
    created = await upload(client, project)
    assert created.id.startswith("dfl-")
    assert (created.name, created.project_id, created.purpose, created.file_type, created.external_file_id) == (
        "invoice.txt", project, "extract", "txt", "invoice.txt",
    )
    retrieved = await client.files.retrieve(created.id, expand=["download_url"], project_id=project)
    assert retrieved.id == created.id and retrieved.download_url is not None
    assert httpx.get(retrieved.download_url.url).content == INVOICE_TEXT  # a presigned URL: no token

    other = await upload(client, project, name="other.txt", content=b"x")
    listed = [f.id async for f in client.files.list(project_id=project, page_size=1)]  # two pages
    assert listed == [other.id, created.id]  # newest first
    assert [f.id async for f in client.files.list(project_id=project, file_ids=[created.id])] == [created.id]
    assert [f.name async for f in client.files.list(project_id=project, order_by="name")] == [
        "invoice.txt", "other.txt",
    ]

    presigned = await client.files.content(created.id, project_id=project, expires_at_seconds=60)
    assert httpx.get(presigned.url).content == INVOICE_TEXT
    assert await client.files.delete(created.id, project_id=project) is None
    with pytest.raises(NotFoundError):
        await client.files.retrieve(created.id, project_id=project)
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.files.create(file=("a.txt", b"a", "text/plain"), purpose="archive", project_id=project)
    assert raised.value.body["detail"][0]["loc"] == ["body", "purpose"]


# --------------------------------------------------------------------------- jobs
async def test_create_then_poll_then_wait_for_completion(client, clocked_url, project):
    file = await upload(client, project)
    job = await client.extract.create(file_input=file.id, configuration=configuration(tier="agentic"),
                                      project_id=project)
    assert (job.status, job.file_input, job.project_id, job.extract_result) == ("PENDING", file.id, project, None)
    assert (await client.extract.get(job.id, project_id=project)).status == "PENDING"
    advance(clocked_url, 5)
    assert (await client.extract.get(job.id, project_id=project)).status == "RUNNING"
    advance(clocked_url, 5)
    done = await client.extract.wait_for_completion(job.id, project_id=project, **POLL)
    assert done.status == "COMPLETED"
    assert done.extract_result == GLOBEX.model_dump()
    assert done.metadata.usage.num_pages_extracted == 1
    assert done.updated_at > done.created_at
    expanded = await client.extract.get(job.id, project_id=project, expand=["configuration", "usage"])
    assert expanded.configuration.tier == "agentic"
    assert expanded.usage.credits == 15.0


async def advance_once_created(client: AsyncLlamaCloud, base_url: str, project: str, seconds: float) -> None:
    """Advance the clock as soon as the project has a job (bounded: 30 s)."""

    async def created() -> None:
        while not (await client.extract.list(project_id=project)).items:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(created(), 30)
    advance(base_url, seconds)


async def test_run_creates_and_waits(client, clocked_url, project):
    file = await upload(client, project)
    job, _ = await asyncio.gather(
        client.extract.run(file_input=file.id, configuration=configuration(), project_id=project, **POLL),
        advance_once_created(client, clocked_url, project, 10),
    )
    assert (job.status, job.extract_result) == ("COMPLETED", GLOBEX.model_dump())


async def test_a_failed_job(client, clocked_url, project):
    file = await upload(client, project, name="llamacloud-mock:fail.txt")
    job, _ = await asyncio.gather(
        client.extract.run(file_input=file.id, configuration=configuration(), project_id=project, **POLL),
        advance_once_created(client, clocked_url, project, 10),
    )
    assert (job.status, job.extract_result) == ("FAILED", None)  # the async helper returns it
    assert job.error_message == (
        "Extraction failed: the file 'llamacloud-mock:fail.txt' carries the marker 'llamacloud-mock:fail', "
        "so llamacloud-mock fails its extraction on purpose."
    )
    with LlamaCloud(api_key=API_KEY, base_url=clocked_url) as sync_client:  # the sync helper raises
        with pytest.raises(PollingError, match=f"Job {job.id} failed with status: FAILED | Error: Extraction failed"):
            sync_client.extract.wait_for_completion(job.id, project_id=project, polling_interval=0.01)


async def test_a_cancelled_job(client, clocked_url, project):
    file = await upload(client, project)
    job = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project)
    with pytest.raises(ConflictError) as refused:  # answered once: x-should-retry false
        await client.extract.delete(job.id, project_id=project)
    assert "cancel it first" in refused.value.body["detail"]
    cancelled = await client.extract.cancel(job.id, project_id=project)
    assert cancelled.status == "CANCELLED"
    advance(clocked_url, 10)
    assert (await client.extract.wait_for_completion(job.id, project_id=project, **POLL)).status == "CANCELLED"
    with LlamaCloud(api_key=API_KEY, base_url=clocked_url) as sync_client:
        with pytest.raises(PollingError, match="failed with status: CANCELLED"):
            sync_client.extract.wait_for_completion(job.id, project_id=project, polling_interval=0.01)
    with pytest.raises(ConflictError):
        await client.extract.cancel(job.id, project_id=project)
    assert await client.extract.delete(job.id, project_id=project) == {}
    with pytest.raises(NotFoundError):
        await client.extract.get(job.id, project_id=project)

    running = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project)
    assert await client.extract.delete(running.id, project_id=project, force=True) == {}


async def test_list_is_newest_first_with_filters(client, clocked_url, project):
    file = await upload(client, project)
    first = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project)
    advance(clocked_url, 5)
    second = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project)
    third = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project)
    await client.extract.cancel(third.id, project_id=project)
    ids = [job.id async for job in client.extract.list(project_id=project, page_size=2)]  # two pages
    assert ids == [third.id, second.id, first.id]
    assert [j.id async for j in client.extract.list(project_id=project, status="RUNNING")] == [first.id]
    assert [j.id async for j in client.extract.list(project_id=project, job_ids=[first.id, third.id])] == [
        third.id, first.id,
    ]
    assert [j.id async for j in client.extract.list(project_id=DEFAULT_PROJECT_ID, file_input=file.id)] == []
    page = await client.extract.list(project_id=project, expand=["configuration"], page_size=1)
    assert page.items[0].configuration.data_schema == Invoice.model_json_schema()


async def test_schema_validation_and_generation(client, project):
    validated = await client.extract.validate_schema(data_schema=Invoice.model_json_schema())
    assert validated.data_schema == Invoice.model_json_schema()
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.extract.validate_schema(data_schema={"type": "object", "properties": {"x": {"type": "money"}}})
    assert raised.value.body["detail"][0]["loc"] == ["body", "data_schema", "properties", "x", "type"]
    file = await upload(client, project)
    generated = await client.extract.generate_schema(file_id=file.id, name="invoices", project_id=project)
    assert generated.name == "invoices"
    assert generated.parameters.product_type == "extract_v2"
    assert generated.parameters.data_schema["properties"] == {
        "vendor": {"type": "string", "title": "Vendor"},
        "total": {"type": "number", "title": "Total"},
        "date": {"type": "string", "format": "date", "title": "Date"},
    }


# --------------------------------------------------------------------------- ExtractedData and agent data
async def test_extracted_data_from_a_job_is_stored_and_found_again(client, clocked_url, project, deployment_name):
    globex = await upload(client, project)
    initech = await upload(client, project, name="initech.txt", content=b"Vendor: Initech\nTotal: 99\n")
    config = configuration(confidence_scores=True, cite_sources=True)
    jobs = [await client.extract.create(file_input=f.id, configuration=config, project_id=project)
            for f in (globex, initech)]
    advance(clocked_url, 10)
    done = [await client.extract.wait_for_completion(job.id, project_id=project, **POLL) for job in jobs]

    extracted = ExtractedData.from_extract_job(done[0], Invoice)  # seed 000, from the plain polling GET
    assert extracted.data == GLOBEX and extracted.original_data == GLOBEX
    assert (extracted.status, extracted.file_id, extracted.metadata) == ("pending_review", globex.id,
                                                                         {"job_id": jobs[0].id})
    vendor = extracted.field_metadata["vendor"]
    assert vendor.citation[0].page == 1 and vendor.citation[0].matching_text == "Vendor: Globex"
    assert vendor.reasoning == "VERBATIM EXTRACTION"
    assert 0.90 <= vendor.confidence <= 0.99
    assert 0.90 <= extracted.overall_confidence <= 0.99  # every field was found in the file
    other = ExtractedData.from_extract_job(done[1], Invoice)
    assert other.data.vendor == "Initech" and other.field_metadata["date"].citation == []  # synthesized
    assert other.overall_confidence < extracted.overall_confidence

    stored = [await client.beta.agent_data.create(data=item.model_dump(), deployment_name=deployment_name,
                                                  collection="invoices") for item in (extracted, other)]
    found = [r async for r in client.beta.agent_data.search(
        deployment_name=deployment_name, collection="invoices", filter={"data.vendor": {"eq": "Globex"}},
    )]
    assert [r.id for r in found] == [stored[0].id]
    again = ExtractedData[Invoice].model_validate(found[0].data)
    assert (again.data, again.overall_confidence, again.file_id) == (GLOBEX, extracted.overall_confidence, globex.id)
    assert again.field_metadata["total"].citation[0].matching_text == "Total: 1,250.00"
    confident = [r async for r in client.beta.agent_data.search(
        deployment_name=deployment_name, collection="invoices", filter={"overall_confidence": {"gte": 0.9}},
    )]
    assert [r.id for r in confident] == [stored[0].id]


async def test_a_partial_result_reports_its_field_errors(client, clocked_url, project):
    file = await upload(client, project, content=INVOICE_TEXT + b"llamacloud-mock:partial\n")
    job = await client.extract.create(file_input=file.id, configuration=configuration(StrictInvoice,
                                      confidence_scores=True), project_id=project)
    advance(clocked_url, 10)
    done = await client.extract.wait_for_completion(job.id, project_id=project, **POLL)
    assert (done.status, done.extract_result) == ("COMPLETED", {"vendor": "Globex"})
    extracted = ExtractedData.from_extract_job(done, StrictInvoice)
    assert extracted.data == StrictInvoice(vendor="Globex")
    assert extracted.metadata["field_errors"].endswith("these fields could not be extracted: total.")
    assert list(extracted.field_metadata) == ["vendor"]


# --------------------------------------------------------------------------- projects
async def test_project_reads(client, project):
    await upload(client, project)
    default = await client.projects.get(DEFAULT_PROJECT_ID)
    assert (default.name, default.is_default) == ("Default", True)
    mine = await client.projects.get(project)
    assert (mine.id, mine.name, mine.is_default, mine.organization_id) == (project, project, False,
                                                                           default.organization_id)
    assert [p.id for p in await client.projects.list(project_name=project)] == [project]
    assert (await client.v2_projects.get(project)).id == project
    listed = [p.id async for p in client.v2_projects.list(page_size=1)]
    assert listed[0] == DEFAULT_PROJECT_ID and project in listed
    with pytest.raises(NotFoundError):
        await client.projects.get(str(uuid.uuid4()))


# --------------------------------------------------------------------------- webhooks
async def test_webhooks_are_delivered_in_order_with_a_retry(client, clocked_url, project):
    file = await upload(client, project)
    with WebhookReceiver(500) as receiver:  # the first attempt fails
        hook = {"webhook_url": receiver.url, "webhook_output_format": "json", "webhook_headers": {"X-Token": "t"}}
        job = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project,
                                          webhook_configurations=[hook])
        await asyncio.to_thread(receiver.wait_for, 1)
        advance(clocked_url, 10)  # the retry is due (after 1 s), and the job completes
        await asyncio.to_thread(receiver.wait_for, 3)
    assert [(r["body"]["event_type"], r["status"], r["headers"].get("x-token")) for r in receiver.requests] == [
        ("extract.pending", 500, "t"),
        ("extract.pending", 200, "t"),
        ("extract.success", 200, "t"),
    ]
    pending, retried, success = (r["body"] for r in receiver.requests)
    assert pending == retried and pending["data"]["id"] == job.id and pending["data"]["status"] == "PENDING"
    assert success["data"]["status"] == "COMPLETED" and success["data"]["extract_result"] == GLOBEX.model_dump()


async def test_webhook_events_can_be_chosen(client, clocked_url, project):
    file = await upload(client, project)
    with WebhookReceiver() as receiver:
        hook = {"webhook_url": receiver.url, "webhook_events": ["extract.cancelled", "extract.error"]}
        job = await client.extract.create(file_input=file.id, configuration=configuration(), project_id=project,
                                          webhook_configurations=[hook])
        await client.extract.cancel(job.id, project_id=project)
        await asyncio.to_thread(receiver.wait_for, 1)
    (request,) = receiver.requests
    assert request["body"]["event_type"] == "extract.cancelled"
    assert json.loads(request["body"]["data"])["status"] == "CANCELLED"  # "string", the default output format
