"""The reader (llama-cloud-services' LlamaExtract, llama-cloud 0.1.x) against the fake: jobs whose
lifecycle the test controls, and the 0.1.x client in process."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("llama_cloud_services")  # this folder runs where llama-cloud-services is

from invoice_app.reader import ExtractionFailed, Invoice, aread_invoice, invoice_agent, read_invoice  # noqa: E402
from llama_cloud import ExtractConfig  # noqa: E402
from llama_cloud.client import AsyncLlamaCloud  # noqa: E402
from llama_cloud_services import LlamaExtract  # noqa: E402

INVOICE = "Invoice Number: INV-7\nVendor: Globex\nTotal: 1,250.00\n"


@pytest.fixture
def invoice_file(tmp_path):
    path = tmp_path / "invoice-7.txt"
    path.write_text(INVOICE)
    return path


def test_read_an_invoice(llamacloud_mock, invoice_file):
    assert read_invoice(invoice_file) == Invoice(invoice_number="INV-7", vendor="Globex", total=1250.0)
    created = llamacloud_mock.admin.requests(operation="run_job")
    assert len(created) == 1 and created[0]["status"] == 200
    polls = llamacloud_mock.admin.requests(operation="get_job")
    assert [p["status"] for p in polls] == [200] * len(polls) and len(polls) >= 1


async def wait_for_a_job(admin) -> str:
    for _ in range(200):
        jobs = admin.jobs()
        if jobs:
            return jobs[0]["id"]
        await asyncio.sleep(0.05)
    raise AssertionError("no extraction job was created")


async def test_a_job_held_running_then_failed(llamacloud_mock, invoice_file):
    admin = llamacloud_mock.admin
    admin.freeze_clock()  # nothing moves on its own
    reading = asyncio.create_task(aread_invoice(invoice_file))
    job_id = await wait_for_a_job(admin)
    assert admin.hold_job(job_id, "running")["state"] == "running"

    agent = invoice_agent(LlamaExtract(show_progress=False))
    assert agent.get_extraction_job(job_id).status == "PENDING"  # v1 reports running as PENDING...
    assert agent.get_extraction_run_for_job(job_id).status == "PENDING"  # ...and a queued run as CREATED
    admin.advance_clock(3600)
    await asyncio.sleep(1.5)  # LlamaExtract polls every second: it has seen PENDING and polls on
    assert not reading.done()
    assert agent.get_extraction_job(job_id).status == "PENDING"  # held: an hour changed nothing

    admin.fail_job(job_id, "The scanner jammed on page 2")

    with pytest.raises(ExtractionFailed, match="The scanner jammed on page 2"):
        with pytest.warns(UserWarning, match="Failure in job"):  # LlamaExtract's own report of it
            await asyncio.wait_for(reading, timeout=10)
    failed = agent.get_extraction_job(job_id)
    assert (failed.status, failed.error) == ("ERROR", "The scanner jammed on page 2")
    assert agent.get_extraction_run_for_job(job_id).status == "ERROR"
    assert [h["state"] for h in admin.job(job_id)["history"]] == ["queued", "running", "failed"]


async def extraction_session(client: AsyncLlamaCloud, admin) -> list:
    extract = client.llama_extract
    agent = await extract.create_extraction_agent(
        name="invoices", data_schema=Invoice.model_json_schema(), config=ExtractConfig()
    )
    file = await client.files.upload_file(upload_file=("invoice.txt", INVOICE.encode(), "text/plain"))
    job = await extract.run_job(extraction_agent_id=agent.id, file_id=file.id)
    admin.advance_job(job.id)  # queued to running, now
    running = await extract.get_job(job.id)
    admin.advance_job(job.id)  # running to succeeded, now
    done = await extract.get_job(job.id)
    result = await extract.get_job_result(job.id)
    return [model.dict() for model in (agent, file, job, running, done, result)]


async def test_the_01_client_in_process_and_over_a_socket(llamacloud_mock, llamacloud_mock_inprocess):
    answers = []
    for mock in (llamacloud_mock, llamacloud_mock_inprocess):
        mock.admin.reset(id_seed=3)  # the same ids...
        mock.admin.freeze_clock()
        mock.admin.set_clock("2031-06-01T12:00:00Z")  # ...and the same timestamps in both
        client = AsyncLlamaCloud(token=mock.api_key, base_url=mock.url, httpx_client=mock.async_http_client())
        answers.append(await extraction_session(client, mock.admin))
    assert answers[0] == answers[1]
    agent, file, job, running, done, result = answers[0]
    assert (job["status"], running["status"], done["status"]) == ("PENDING", "PENDING", "SUCCESS")
    assert result["data"] == {"invoice_number": "INV-7", "vendor": "Globex", "total": 1250.0}
    assert (file["name"], agent["name"]) == ("invoice.txt", "invoices")
