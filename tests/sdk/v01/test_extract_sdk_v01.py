"""The official llama-cloud-services 0.6.94 LlamaExtract client, unmodified, against the fake.

Two servers of their own, both checking every response against the spec: one whose jobs take
0.2 s (``--job-duration 0.2``), and one on a virtual clock (``--virtual-clock --job-duration 10``)
where jobs stay PENDING until the test advances the clock through ``POST /_mock/clock/advance``.
Each test works in a fresh project.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Literal

import httpx
import pytest
from llama_cloud import ExtractConfig, ExtractMode, ExtractTarget
from llama_cloud.client import AsyncLlamaCloud
from llama_cloud.core.api_error import ApiError
from llama_cloud_services import LlamaExtract, SourceText
from llama_cloud_services.beta.agent_data import AsyncAgentDataClient, ExtractedData
from pydantic import BaseModel

from tests.sdk.servers import fake_server
from tests.support import API_KEY


class LineItem(BaseModel):
    description: str
    amount: float


class Invoice(BaseModel):
    invoice_number: str
    vendor: str
    total: float
    currency: Literal["USD", "EUR"]
    paid: bool
    due_date: str | None = None
    items: list[LineItem] = []


INVOICE_TEXT = "Invoice Number: INV-001\nVendor: Globex\nTotal: 1,250.00\nCurrency: eur\nPaid: no\n"
INVOICE_VALUES = {"invoice_number": "INV-001", "vendor": "Globex", "total": 1250.0, "currency": "EUR", "paid": False}


def invoice_text(number: str, vendor: str = "Globex", total: str = "1,250.00") -> str:
    return f"Invoice Number: {number}\nVendor: {vendor}\nTotal: {total}\nCurrency: eur\nPaid: no\n"


@pytest.fixture(scope="module")
def fast_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("fast") / "server.log"
    with fake_server(log, "--job-duration", "0.2", "--validate-responses") as url:
        yield url


@pytest.fixture(scope="module")
def virtual_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("virtual") / "server.log"
    with fake_server(log, "--virtual-clock", "--job-duration", "10", "--validate-responses") as url:
        yield url


@pytest.fixture
def project_id() -> str:
    return str(uuid.uuid4())


def make_extractor(url: str, project_id: str) -> LlamaExtract:
    return LlamaExtract(api_key=API_KEY, base_url=url, project_id=project_id, show_progress=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_invoice(run, values: dict, file_name: str) -> None:
    assert run.status == "SUCCESS"
    assert run.error is None
    assert {k: run.data[k] for k in values} == values
    Invoice.model_validate(run.data)  # the rest is synthesized, and valid
    assert run.file.name == file_name
    leaf = run.extraction_metadata["field_metadata"]["invoice_number"]
    assert leaf["citation"] == [{"page": 1, "matching_text": f"Invoice Number: {values['invoice_number']}"}]
    assert 0.9 <= leaf["confidence"] < 1.0


# ---------------------------------------------------------------------------------------- agents
def test_agent_create_get_list_delete(fast_url, project_id):
    extractor = make_extractor(fast_url, project_id)
    agent = extractor.create_agent("invoices", data_schema=Invoice)
    assert agent.name == "invoices"
    assert agent.data_schema == Invoice.model_json_schema()
    assert agent.config.extraction_mode == ExtractMode.MULTIMODAL
    assert agent.config.extraction_target == ExtractTarget.PER_DOC

    by_id = extractor.get_agent(id=agent.id)
    by_name = extractor.get_agent(name="invoices")
    assert (by_id.id, by_id.name, by_id.data_schema) == (agent.id, "invoices", agent.data_schema)
    assert by_name.id == agent.id

    other = extractor.create_agent("receipts", data_schema={"type": "object", "properties": {"x": {"type": "string"}}})
    assert [a.name for a in extractor.list_agents()] == ["invoices", "receipts"]

    other.data_schema = LineItem  # validated by POST .../schema/validation
    other.config = ExtractConfig(extraction_mode=ExtractMode.PREMIUM)
    other.save()  # PUT .../extraction-agents/{id}
    saved = extractor.get_agent(id=other.id)
    assert (saved.data_schema, saved.config) == (LineItem.model_json_schema(), ExtractConfig(extraction_mode="PREMIUM"))

    extractor.delete_agent(agent.id)
    assert [a.id for a in extractor.list_agents()] == [other.id]
    with pytest.raises(ApiError) as missing:
        extractor.get_agent(id=agent.id)
    assert missing.value.status_code == 404
    with pytest.raises(ApiError) as missing_name:
        extractor.get_agent(name="invoices")
    assert missing_name.value.status_code == 404


def test_duplicate_agent_name_is_refused_with_409(fast_url, project_id):
    extractor = make_extractor(fast_url, project_id)
    extractor.create_agent("twice", data_schema=Invoice)
    with pytest.raises(ApiError) as conflict:
        extractor.create_agent("twice", data_schema=Invoice)
    assert conflict.value.status_code == 409
    assert "already exists" in conflict.value.body["detail"]


# ---------------------------------------------------------------------------------------- agent.extract
def test_extract_a_file_path(fast_url, project_id, tmp_path):
    agent = make_extractor(fast_url, project_id).create_agent("path", data_schema=Invoice)
    path = write(tmp_path, "invoice.txt", INVOICE_TEXT)

    run = agent.extract(path)

    assert_invoice(run, INVOICE_VALUES, "invoice.txt")
    assert run.extraction_agent_id == agent.id
    assert run.project_id == project_id
    assert run.config == agent.config
    assert run.file.external_file_id == str(path)
    assert run.file.file_type == "txt"


def test_extract_bytes_with_a_file_name(fast_url, project_id):
    """Bytes go through SourceText with a file name (LlamaExtract refuses bare bytes itself)."""
    agent = make_extractor(fast_url, project_id).create_agent("bytes", data_schema=Invoice)
    document = {
        "invoice_number": "INV-JSON",
        "vendor": "Initech",
        "total": 99.5,
        "currency": "USD",
        "paid": True,
        "items": [{"description": "stapler", "amount": 99.5}],
    }

    run = agent.extract(SourceText(file=json.dumps(document).encode(), filename="invoice.json"))

    assert run.status == "SUCCESS"
    assert run.data["items"] == [{"description": "stapler", "amount": 99.5}]
    assert {k: run.data[k] for k in INVOICE_VALUES} == {k: document[k] for k in INVOICE_VALUES}
    assert run.file.name == "invoice.json"
    Invoice.model_validate(run.data)


def test_extract_source_text(fast_url, project_id):
    agent = make_extractor(fast_url, project_id).create_agent("text", data_schema=Invoice)

    source = SourceText(text_content=invoice_text("INV-TXT", vendor="Umbrella"))
    assert source.filename.startswith("text_input_")  # the SDK names text: text_input_<hex>.txt

    run = agent.extract(source)

    assert_invoice(run, {**INVOICE_VALUES, "invoice_number": "INV-TXT", "vendor": "Umbrella"}, source.filename)


async def test_aextract_several_files(fast_url, project_id, tmp_path):
    agent = make_extractor(fast_url, project_id).create_agent("batch", data_schema=Invoice)
    paths = [write(tmp_path, f"invoice-{n}.txt", invoice_text(f"INV-{n}", total=f"{n}00")) for n in (1, 2, 3)]
    twin = write(tmp_path, "twin.txt", invoice_text("INV-1", total="100"))

    runs = await agent.aextract([*paths, twin])

    assert [r.data["invoice_number"] for r in runs] == ["INV-1", "INV-2", "INV-3", "INV-1"]
    assert [r.data["total"] for r in runs] == [100, 200, 300, 100]
    assert [r.file.name for r in runs] == ["invoice-1.txt", "invoice-2.txt", "invoice-3.txt", "twin.txt"]
    assert runs[3].data == runs[0].data  # same bytes, same schema: same result
    assert len({r.job_id for r in runs}) == 4
    listed = agent.list_extraction_runs()
    assert listed.total == 4
    assert [r.job_id for r in listed.items] == [r.job_id for r in reversed(runs)]  # newest first
    agent.delete_extraction_run(runs[3].id)
    assert [r.id for r in agent.list_extraction_runs(limit=2).items] == [runs[2].id, runs[1].id]


# ---------------------------------------------------------------------------------------- stateless
async def test_stateless_aextract(fast_url, project_id, tmp_path):
    extractor = make_extractor(fast_url, project_id)
    config = ExtractConfig(extraction_mode=ExtractMode.BALANCED, system_prompt="Read the invoice.")
    path = write(tmp_path, "stateless.txt", invoice_text("INV-S1"))

    runs = await extractor.aextract(Invoice, config, [path, SourceText(text_content=invoice_text("INV-S2"))])

    assert [r.status for r in runs] == ["SUCCESS", "SUCCESS"]
    assert [r.data["invoice_number"] for r in runs] == ["INV-S1", "INV-S2"]
    assert [r.config for r in runs] == [config, config]
    assert runs[0].data_schema == Invoice.model_json_schema()
    default = await extractor._async_client.llama_extract.get_or_create_default_extraction_agent(project_id=project_id)
    assert default.custom_configuration == "default"
    assert {r.extraction_agent_id for r in runs} == {default.id}
    assert extractor.list_agents() == []  # the default agent is listed only on request


# ---------------------------------------------------------------------------------------- failures
def test_a_failing_file_is_reported(fast_url, project_id, tmp_path):
    agent = make_extractor(fast_url, project_id).create_agent("failing", data_schema=Invoice)
    path = write(tmp_path, "broken.txt", INVOICE_TEXT + "llamacloud-mock:fail\n")

    with pytest.warns(
        UserWarning, match=r"status: ExtractJobStatus\.ERROR, error: Extraction failed: .*llamacloud-mock:fail"
    ):
        run = agent.extract(path)

    assert run.status == "ERROR"
    assert run.data is None
    assert run.error.startswith("Extraction failed: the file 'broken.txt' carries the marker 'llamacloud-mock:fail'")


def test_a_partial_file_loses_its_optional_fields(fast_url, project_id, tmp_path):
    agent = make_extractor(fast_url, project_id).create_agent("partial", data_schema=Invoice)
    path = write(tmp_path, "llamacloud-mock:partial.txt", INVOICE_TEXT)

    with pytest.warns(UserWarning, match=r"status: ExtractJobStatus\.PARTIAL_SUCCESS"):
        run = agent.extract(path)

    assert run.status == "SUCCESS"
    assert run.error.endswith("these fields could not be extracted: due_date, items.")
    assert run.data == INVOICE_VALUES
    assert run.extraction_metadata["field_metadata"]["error"] == run.error


# ---------------------------------------------------------------------------------------- lifecycle
async def test_pending_until_the_virtual_clock_moves(virtual_url, project_id, tmp_path):
    extractor = make_extractor(virtual_url, project_id)
    agent = extractor.create_agent("clocked", data_schema=Invoice)
    path = write(tmp_path, "clocked.txt", INVOICE_TEXT)

    job = await agent.queue_extraction(path)
    assert job.status == "PENDING"
    assert agent.get_extraction_job(job.id).status == "PENDING"

    waiting = asyncio.create_task(agent.aextract(write(tmp_path, "second.txt", invoice_text("INV-2"))))
    await asyncio.sleep(1.5)  # the SDK polls every second: it has seen PENDING and polls on
    assert not waiting.done()
    assert agent.get_extraction_job(job.id).status == "PENDING"

    async with httpx.AsyncClient(base_url=virtual_url) as admin:
        moved = await admin.post("/_mock/clock/advance", json={"seconds": 10})
    assert moved.status_code == 200

    second = await asyncio.wait_for(waiting, timeout=10)
    assert second.status == "SUCCESS"
    assert second.data["invoice_number"] == "INV-2"
    assert agent.get_extraction_job(job.id).status == "SUCCESS"
    assert_invoice(agent.get_extraction_run_for_job(job.id), INVOICE_VALUES, "clocked.txt")


# ---------------------------------------------------------------------------------------- agent data
async def test_extracted_data_stored_and_found_by_status(fast_url, project_id, tmp_path):
    agent = make_extractor(fast_url, project_id).create_agent("review", data_schema=Invoice)
    run = await agent.aextract(write(tmp_path, "review.txt", INVOICE_TEXT))

    extracted = ExtractedData.from_extraction_result(run, Invoice)
    assert extracted.data == Invoice.model_validate(run.data)
    assert extracted.file_name == "review.txt"
    assert extracted.metadata == {"job_id": run.job_id}
    confidences = [extracted.field_metadata[k].confidence for k in INVOICE_VALUES]
    assert all(0.9 <= c < 1.0 for c in confidences)
    assert 0 < extracted.overall_confidence < 1

    client = AsyncAgentDataClient(
        type=ExtractedData[Invoice],
        deployment_name=f"review-{uuid.uuid4().hex[:8]}",
        collection="invoices",
        client=AsyncLlamaCloud(token=API_KEY, base_url=fast_url),
    )
    stored = await client.create_item(extracted)
    accepted = extracted.model_copy(update={"status": "accepted"})
    await client.create_item(accepted)

    found = await client.search(filter={"status": {"eq": "pending_review"}}, include_total=True)

    assert found.total == 1
    assert [item.id for item in found.items] == [stored.id]
    assert found.items[0].data.data.invoice_number == "INV-001"
    assert found.items[0].data.metadata == {"job_id": run.job_id}
