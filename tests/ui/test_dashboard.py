"""The dashboard (/_mock/ui) in Chromium: what a user does, and what the page then shows.

Records and faulted calls are made with the official SDK (llama-cloud 2.x), jobs and the rest over
HTTP as an SDK makes them, while the page is open: the views must show them without a reload. No
test waits a fixed time: Playwright's assertions retry until the page shows what they expect (or
TIMEOUT_MS passes).
"""

from __future__ import annotations

import shlex
import subprocess

import httpx
import pytest
from llama_cloud import InternalServerError
from playwright.sync_api import expect

from tests.support import AGENT_DATA
from tests.ui.support import accessibility_violations, api, open_view, screenshot, sdk


def records(n: int, deployment: str = "invoices-app", collection: str = "invoices") -> dict:
    """A fixture of n Agent Data records (POST /_mock/fixtures)."""
    vendors = ["Acme", "Globex", "Initech"]
    return {
        "agent_data": [
            {
                "deployment_name": deployment,
                "collection": collection,
                "data": {"number": i, "vendor": vendors[i % 3], "total": 100 + i, "status": "done" if i % 2 else "new"},
            }
            for i in range(n)
        ]
    }


INVOICE_SCHEMA = {"type": "object", "properties": {"vendor": {"type": "string"}, "total": {"type": "number"}}}


def extraction_job(http) -> str:
    agent = http.post(
        "/api/v1/extraction/extraction-agents",
        json={
            "name": "invoice",
            "data_schema": INVOICE_SCHEMA,
            "config": {},
        },
    ).json()
    upload = http.post("/api/v1/files", files={"upload_file": ("invoice.pdf", b"%PDF-1.4 an invoice")}).json()
    job = http.post("/api/v1/extraction/jobs", json={"extraction_agent_id": agent["id"], "file_id": upload["id"]})
    assert job.status_code == 200, job.text
    return job.json()["id"]


# ------------------------------------------------------------------ Overview
def test_overview_shows_what_the_fake_is_and_holds_live(serve, page):
    mock = serve("--virtual-clock", "--journal-size", "500")
    open_view(page, mock, "overview")
    expect(page.locator("#overview-version")).to_have_text(mock.admin.health()["version"])
    expect(page.locator(".empty")).to_contain_text("The fake holds nothing yet.")
    expect(page.locator("#overview-clock")).to_contain_text("(virtual, frozen)")
    mock.admin.seed(records(3))
    expect(page.locator("td[data-table='agent_data']")).to_have_text("3")
    with api(mock) as http:
        http.post(AGENT_DATA, json={"deployment_name": "d", "data": {}})
    expect(page.locator("td[data-table='agent_data']")).to_have_text("4")
    expect(page.locator("#overview-requests")).to_contain_text("1 since the start")
    expect(page.get_by_role("row", name="--journal-size 500")).to_be_visible()
    screenshot(page, "overview")


# ------------------------------------------------------------------ Agent Data
def test_records_created_by_a_client_appear_without_reload_and_filter_with_inline_errors(serve, page):
    mock = serve()
    open_view(page, mock, "agent-data")
    expect(page.locator(".empty")).to_contain_text("No Agent Data records yet.")
    with sdk(mock) as client:
        created = [client.beta.agent_data.create(data={"number": n}, deployment_name="app") for n in range(3)]
    assert [record.data for record in created] == [{"number": 0}, {"number": 1}, {"number": 2}]
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#records-summary")).to_have_text("Records 1–3 of 3")
    expect(rows.first).to_contain_text('{"number":2}')  # newest first, the API's default order

    page.get_by_label("Filter (JSON, as the SDKs send it)").fill('{"number": {"gte": 1}}')
    page.get_by_label("Order by").fill("data.number asc")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-summary")).to_have_text("Records 1–2 of 2")
    expect(rows.first).to_contain_text('{"number":1}')

    page.get_by_label("Filter (JSON, as the SDKs send it)").fill('{"number": {"bogus": 1}}')
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-error")).to_have_text("filter.number.bogus: Extra inputs are not permitted")
    page.get_by_label("Filter (JSON, as the SDKs send it)").fill("")
    page.get_by_label("Order by").fill("number sideways")  # a bare name is a path inside data; the direction is wrong
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-error")).to_contain_text("order_by: cannot read sort term 'number sideways'")
    page.get_by_label("Order by").fill("")
    page.get_by_label("Filter (JSON, as the SDKs send it)").fill("{number: 1}")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-error")).to_contain_text("The filter is not JSON")
    page.get_by_label("Filter (JSON, as the SDKs send it)").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-error")).to_be_hidden()
    expect(rows).to_have_count(3)


def test_paging_through_a_large_collection(serve, page):
    mock = serve()
    mock.admin.seed(records(1000))
    open_view(page, mock, "agent-data")
    summary = page.locator("#records-summary")
    expect(summary).to_have_text("Records 1–50 of 1,000")
    page.get_by_label("Order by").fill("data.number")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records tbody tr").first).to_contain_text('"number":0,')
    page.get_by_role("button", name="Last").click()
    expect(summary).to_have_text("Records 951–1,000 of 1,000")
    expect(page.locator("#records tbody tr").last).to_contain_text('"number":999,')
    page.get_by_label("Page", exact=True).fill("7")
    page.get_by_label("Page", exact=True).press("Enter")
    expect(summary).to_have_text("Records 301–350 of 1,000")
    page.get_by_role("button", name="Previous").click()
    expect(summary).to_have_text("Records 251–300 of 1,000")
    expect(page.locator("#records tbody tr").first).to_contain_text('"number":250,')
    screenshot(page, "agent-data")
    page.locator("#records tbody tr").first.click()
    expect(page.locator("#record-detail pre")).to_contain_text('"number": 250')


def test_deleting_a_record_and_deleting_by_query_ask_first(serve, page):
    mock = serve()
    mock.admin.seed(records(6))
    open_view(page, mock, "agent-data")
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(6)
    rows.first.click()
    asked: list[str] = []

    def answer(accept: bool):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(True))
    page.get_by_role("button", name="Delete this record…").click()
    expect(page.locator("#records-summary")).to_have_text("Records 1–5 of 5")
    assert asked[0].startswith("Delete the record ") and asked[0].endswith("This cannot be undone.")

    page.get_by_label("Filter (JSON, as the SDKs send it)").fill('{"status": {"eq": "done"}}')
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#records-summary")).to_have_text("Records 1–2 of 2")  # records 1 and 3 (5 is gone)
    page.once("dialog", answer(False))
    page.get_by_role("button", name="Delete matching…").click()
    expect(page.locator("#records-summary")).to_have_text("Records 1–2 of 2")
    assert asked[1] == 'Delete the 2 records of invoices-app / invoices matching {"status":{"eq":"done"}}?'
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Delete matching…").click()
    expect(page.locator("#record-detail")).to_have_text("Deleted 2 records.")
    with api(mock) as http:
        left = http.post(f"{AGENT_DATA}/:search", json={"deployment_name": "invoices-app", "collection": "invoices"})
    assert sorted(r["data"]["number"] for r in left.json()["items"]) == [0, 2, 4]


# ------------------------------------------------------------------ Extraction and Clock
def test_a_job_finishes_on_screen_when_the_clock_is_advanced_from_the_page(serve, page):
    mock = serve("--virtual-clock")
    open_view(page, mock, "extraction")
    expect(page.locator("#view .empty").first).to_contain_text("No extraction job yet.")
    with api(mock) as http:
        job_id = extraction_job(http)
        upload = http.post("/api/v1/files", files={"upload_file": ("second.pdf", b"%PDF-1.4 another")}).json()
        v2 = http.post(
            "/api/v2/extract", json={"file_input": upload["id"], "configuration": {"data_schema": INVOICE_SCHEMA}}
        )
        v2_id = v2.json()["id"]
    row = page.get_by_role("row").filter(has_text=job_id)
    expect(row).to_contain_text("queued")
    expect(page.get_by_role("row").filter(has_text=v2_id)).to_contain_text("extract_v2queued")
    expect(page.get_by_role("row").filter(has_text="invoice.pdf")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="vendor, total")).to_be_visible()
    row.click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: queued")
    page.get_by_role("button", name="Hold running").click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: running (held)")

    page.keyboard.press("4")  # the Clock view
    expect(page.locator("#clock-kind")).to_contain_text("Virtual clock, frozen")
    before = page.locator("#clock-now").inner_text()
    page.get_by_label("Advance by (90s, 5m, 2h, 1d)").fill("2 weeks")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#clock-error")).to_contain_text('"2 weeks" is not a duration')
    page.get_by_label("Advance by (90s, 5m, 2h, 1d)").fill("1h")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#clock-now")).not_to_have_text(before)
    assert mock.admin.clock()["now"][11:13] == f"{(int(before[11:13]) + 1) % 24:02d}"
    screenshot(page, "clock")

    page.keyboard.press("3")  # back to Extraction: the held job waits, whatever the clock says
    page.get_by_role("row").filter(has_text=job_id).click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: running (held)")
    page.get_by_role("button", name="Release").click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: running")
    page.keyboard.press("4")
    page.get_by_label("Advance by (90s, 5m, 2h, 1d)").fill("1h")
    page.get_by_role("button", name="Advance").click()
    page.keyboard.press("3")
    expect(page.get_by_role("row").filter(has_text=job_id)).to_contain_text("succeeded")
    page.get_by_role("row").filter(has_text=job_id).click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: succeeded")
    expect(page.locator("#job-detail")).to_contain_text('"extraction_agent_id"')  # the result, read by the public API
    assert mock.admin.job(job_id)["state"] == "succeeded"
    screenshot(page, "extraction")
    page.get_by_role("row").filter(has_text=v2_id).click()  # Extract v2: its result is the job itself
    expect(page.locator("#job-state")).to_have_text("extract_v2: succeeded")
    expect(page.locator("#job-detail")).to_contain_text('"status": "COMPLETED"')
    expect(page.locator("#jobs-summary")).to_contain_text("2 jobs: 2 succeeded.")


def test_failing_a_job_from_the_page_and_the_wall_clock_cannot_be_moved(serve, page):
    mock = serve("--job-duration", "600")  # wall time: long enough to still run when the test fails it
    with api(mock) as http:
        job_id = extraction_job(http)
    open_view(page, mock, "extraction")
    page.get_by_role("row").filter(has_text=job_id).click()
    page.get_by_label("Error").fill("The scan is unreadable")
    page.get_by_role("button", name="Fail").click()
    expect(page.locator("#job-state")).to_have_text("extract_v1: failed – The scan is unreadable")
    with api(mock) as http:
        assert http.get(f"/api/v1/extraction/jobs/{job_id}").json()["status"] == "ERROR"
    page.keyboard.press("4")
    expect(page.locator("#clock-kind")).to_contain_text("Wall time")
    expect(page.get_by_role("button", name="Advance")).to_be_disabled()
    expect(page.get_by_role("button", name="Freeze")).to_be_disabled()


def test_the_files_of_the_project_chosen_and_their_download(serve, page):
    mock = serve()
    with api(mock) as http:
        http.post("/api/v1/files", files={"upload_file": ("default.txt", b"in the default project")})
        http.post("/api/v1/files", params={"project_id": "p2"}, files={"upload_file": ("p2.txt", b"in p2")})
    open_view(page, mock, "extraction")
    files = page.locator("section[aria-labelledby='files-title'] tbody tr")
    expect(files).to_have_count(1)
    expect(files).to_contain_text("default.txt")
    page.get_by_label("Project (agents and files)").focus()  # lists the projects
    expect(page.locator("#extraction-project option")).to_have_count(2)
    page.get_by_label("Project (agents and files)").select_option("p2")
    expect(files).to_contain_text("p2.txt")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download p2.txt").click()
    assert download.value.suggested_filename == "p2.txt"
    assert open(download.value.path(), "rb").read() == b"in p2"


# ------------------------------------------------------------------ Traffic
def test_a_fault_rule_added_from_the_form_fails_the_next_call(serve, page):
    mock = serve()
    open_view(page, mock, "traffic")
    expect(page.locator("#faults")).to_contain_text("No fault rule")
    page.get_by_label("Status").last.fill("42")
    page.get_by_role("button", name="Add the rule").click()
    expect(page.locator("#fault-error")).to_have_text("status: Input should be greater than or equal to 100")

    page.get_by_label("Operation").fill("create_agent_data")
    page.get_by_label("Times").fill("1")
    page.get_by_label("Status").last.fill("503")
    page.get_by_label("Headers (JSON)").fill('{"Retry-After": "1"}')
    page.get_by_role("button", name="Add the rule").click()
    expect(page.locator("#fault-error")).to_be_hidden()
    rule = page.locator("#faults tbody tr")
    expect(rule).to_contain_text("create_agent_data")
    expect(rule).to_contain_text("at most once")
    expect(rule).to_contain_text("answer 503")
    screenshot(page, "traffic-faults")

    with sdk(mock) as client:
        with pytest.raises(InternalServerError) as failed:
            client.beta.agent_data.create(data={"n": 1}, deployment_name="d")
        passed = client.beta.agent_data.create(data={"n": 2}, deployment_name="d")
    assert (failed.value.status_code, failed.value.response.headers["retry-after"]) == (503, "1")
    assert passed.data == {"n": 2}
    rule_id = mock.admin.faults()[0]["id"]
    faulted = page.locator("#tail tbody tr").nth(1)  # the newest is on top
    expect(faulted.locator("td").nth(4)).to_have_text("503")
    expect(faulted.locator("td").last).to_have_text(rule_id)
    expect(page.locator("#tail tbody tr").first).to_contain_text("200")
    expect(rule.locator("td").nth(5)).to_have_text("1")  # fired once
    page.locator("#tail tbody tr").nth(1).click()
    expect(page.locator("#entry-response")).to_contain_text(f"Answered by the fault rule {rule_id}.")
    expect(page.locator("#entry-response")).to_contain_text('"retry-after": "1"')

    page.get_by_role("button", name=f"Remove the rule {rule_id}").click()
    expect(page.locator("#faults")).to_contain_text("No fault rule")
    assert mock.admin.faults() == []


def test_the_journal_tail_filters_shows_a_request_and_copies_it_as_a_working_curl(serve, page):
    mock = serve()
    open_view(page, mock, "traffic")
    expect(page.locator("#tail")).to_contain_text("No request matches yet.")
    with api(mock) as http:
        created = http.post(AGENT_DATA, json={"deployment_name": "shop", "data": {"sku": "A-1", "note": "it's"}}).json()
        http.get(f"{AGENT_DATA}/missing")
    rows = page.locator("#tail tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("GET/api/v1/beta/agent-data/missing404")

    page.get_by_label("Status").first.fill("abc")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#traffic-error")).to_have_text("query.status: 'abc' is not of type 'integer'")
    page.get_by_label("Status").first.fill("200")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#traffic-error")).to_be_hidden()
    expect(rows).to_have_count(1)
    page.get_by_label("Status").first.fill("")
    page.get_by_label("API", exact=True).select_option("Extract v2")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#tail")).to_contain_text("No request matches yet.")
    page.get_by_label("API", exact=True).select_option("Agent Data")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)

    rows.last.click()
    detail = page.locator("#entry-detail")
    expect(detail).to_contain_text('"sku": "A-1"')
    expect(page.locator("#entry-status")).to_contain_text("Status 200 in")
    response = page.locator("#entry-response")  # side by side with the request
    expect(response).to_contain_text(f'"id": "{created["id"]}"')
    expect(response).to_contain_text(f'"created_at": "{created["created_at"]}"')
    expect(response).to_contain_text('"content-type": "application/json"')
    rows.first.click()
    expect(response).to_contain_text('"detail": "Agent data \'missing\' not found"')
    rows.last.click()
    screenshot(page, "traffic")
    curl = page.locator("#entry-curl").inner_text()
    assert curl.startswith(f"curl -X POST '{mock.url}/api/v1/beta/agent-data'")
    # the command does what the request did: one more record, with the same data
    done = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=30)
    assert '"sku":"A-1"' in done.stdout and """"note":"it's\"""" in done.stdout, done.stdout + done.stderr
    expect(rows).to_have_count(3)  # and the page showed it

    page.keyboard.press("2")  # Agent Data: the page searches through the public API
    expect(page.locator("#records tbody tr")).to_have_count(2)
    page.keyboard.press("5")
    expect(rows).to_have_count(3)  # its own calls hidden
    page.get_by_label("Hide the dashboard's own calls").uncheck()
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("POST/api/v1/beta/agent-data/:search")


# ------------------------------------------------------------------ Workflows
def test_a_run_started_from_the_page_streams_its_events_and_ends_when_answered_from_the_form(serve, page):
    mock = serve()
    open_view(page, mock, "workflows")
    expect(page.locator("#handlers")).to_contain_text("No run yet.")
    expect(page.get_by_label("name (required): string")).to_be_visible()  # the start schema of hitl
    page.get_by_role("button", name="Start a run").click()
    expect(page.locator("#start-error")).to_contain_text("validation error for StartEvent\nname\n  Field required")
    page.get_by_label("name (required): string").fill("Ada")
    page.get_by_role("button", name="Start a run").click()
    expect(page.locator("#start-error")).to_be_hidden()

    events = page.locator("#run-events li")
    expect(events).to_have_count(2)  # streamed in as the run goes: a progress event, then the question
    expect(events.nth(0)).to_contain_text('"msg": "hello Ada"')
    expect(events.nth(1)).to_contain_text("AskEvent")
    expect(events.nth(1)).to_contain_text("Approve greeting for Ada?")
    expect(page.locator("#run-status")).to_have_text("Running, waiting for AnswerEvent.")
    [run] = mock.admin.workflow_runs()
    expect(page.locator("#handlers tbody tr")).to_contain_text(f"{run['handler_id']}hitlrunningAnswerEvent")
    screenshot(page, "workflows")

    page.get_by_label("Fields of the answer (a JSON object)").fill('{"response": "yes, Ada"')
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#run-error")).to_contain_text("The fields are not JSON")
    page.get_by_label("Fields of the answer (a JSON object)").fill('{"response": "yes, Ada"}')
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#run-stream")).to_have_text("The stream has ended: the run is over.")
    expect(events).to_have_count(4)
    expect(events.nth(2)).to_contain_text('"msg": "got answer"')
    expect(events.nth(3)).to_contain_text("StopEvent")
    expect(page.locator("#run-result pre")).to_have_text('{\n  "answer": "yes, Ada",\n  "approved": true\n}')
    expect(page.locator("#run-status")).to_have_text("Completed.")
    expect(page.locator("#handlers-summary")).to_have_text("1 handler: 1 completed.")
    page.keyboard.press("5")  # Traffic: the page's own stream of the run's events is in the journal, its body not
    page.get_by_label("Hide the dashboard's own calls").uncheck()
    page.get_by_label("Path (a glob, * matches anything)").fill("/deployments/wfdemo/events/*")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#tail tbody tr").first).to_contain_text("/deployments/wfdemo/events/")  # the filtered tail
    page.locator("#tail tbody tr").first.click()
    expect(page.locator("#entry-response")).to_contain_text("bytes sent): a stream's body is not recorded.")
    expect(page.locator("#entry-response")).to_contain_text('"content-type": "text/event-stream')
    with api(mock) as http:
        handler = http.get(f"/deployments/wfdemo/handlers/{run['handler_id']}").json()
    assert handler["status"] == "completed"
    assert handler["result"]["value"]["result"] == {"answer": "yes, Ada", "approved": True}


def test_cancelling_a_running_run_and_the_handlers_by_status_and_workflow(serve, page):
    mock = serve()
    with api(mock) as http:
        base = "/deployments/wfdemo/workflows"
        waiting = http.post(f"{base}/hitl/run-nowait", json={"start_event": {"name": "Bo"}}).json()["handler_id"]
        assert http.post(f"{base}/echo/run", json={"start_event": {"text": "hi"}}).status_code == 200
    open_view(page, mock, "workflows")
    rows = page.locator("#handlers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(f"{waiting}hitlrunning")  # running first
    expect(rows.last).to_contain_text("echocompleted")
    page.get_by_label("Workflow", exact=True).select_option("echo")
    expect(rows).to_have_count(1)
    expect(page.locator("#handlers-summary")).to_have_text("1 handler: 1 completed.")
    page.get_by_label("Workflow", exact=True).select_option("")
    page.get_by_label("Status").select_option("running")
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.locator("#run-events li")).to_have_count(2)
    page.get_by_role("button", name="Cancel the run").click()
    expect(page.locator("#run-stream")).to_have_text("The stream has ended: the run is over.")
    expect(page.locator("#run-events li").last).to_contain_text("WorkflowCancelledEvent")
    expect(page.locator("#run-status")).to_have_text("Cancelled.")
    expect(rows).to_have_count(0)  # the status filter still says running
    page.get_by_label("Status").select_option("cancelled")
    expect(rows).to_contain_text(f"{waiting}hitlcancelled")
    assert [r["status"] for r in mock.admin.workflow_runs()] == ["cancelled", "completed"]


def test_a_run_streams_on_a_server_with_api_keys(serve, page):
    mock = serve("--api-key", "k1")  # an EventSource could not send the key: the page's stream can
    with httpx.Client(base_url=mock.url, headers={"Authorization": "Bearer k1"}, timeout=30) as http:
        started = http.post("/deployments/wfdemo/workflows/hitl/run-nowait", json={"start_event": {"name": "Key"}})
    open_view(page, mock, "workflows")
    page.get_by_label("API key (only when the server has --api-key)").fill("k1")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#handlers tbody tr").first.click()
    expect(page.locator("#run-title")).to_have_text(f"Run {started.json()['handler_id']} of hitl")
    expect(page.locator("#run-events li")).to_have_count(2)
    expect(page.locator("#run-events li").last).to_contain_text("Approve greeting for Key?")


def test_without_scenario_files_the_workflows_view_says_how_to_serve_one(serve, page):
    mock = serve(workflows=False)
    open_view(page, mock, "workflows")
    advice = page.locator("#view .empty")
    expect(advice).to_contain_text("No workflow is served")
    expect(advice).to_contain_text("llamacloud-mock serve --workflows examples/workflows/wfdemo.yaml")


# ------------------------------------------------------------------ admin key, keyboard, accessibility
def test_the_admin_key_form_keeps_the_key_in_the_session_not_the_address(serve, page):
    mock = serve("--admin-key", "s3cret")
    page.goto(f"{mock.url}/_mock/ui")
    dialog = page.get_by_role("dialog", name="Sign in to the dashboard")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Missing admin key")
    screenshot(page, "sign-in")
    page.get_by_label("Admin key (the server's --admin-key)").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(dialog).to_contain_text("Invalid admin key")
    page.get_by_label("Admin key (the server's --admin-key)").fill("s3cret")
    page.get_by_role("button", name="Sign in").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#overview-version")).to_be_visible()
    assert "s3cret" not in page.url
    assert page.evaluate("sessionStorage.getItem('llamacloud-mock.admin-key')") == "s3cret"
    page.reload()
    expect(page.locator("#overview-version")).to_be_visible()  # the session keeps it
    page.get_by_role("button", name="Sign out").click()
    expect(dialog).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('llamacloud-mock.admin-key')") is None


def test_a_server_with_api_keys_asks_for_one_for_the_public_apis(serve, page):
    mock = serve("--api-key", "k1")
    mock.admin.seed(records(2))
    open_view(page, mock, "agent-data")
    dialog = page.get_by_role("dialog", name="Sign in to the dashboard")
    expect(dialog).to_contain_text("Invalid API key: this server accepts only the keys given with --api-key.")
    page.get_by_label("API key (only when the server has --api-key)").fill("k1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#records tbody tr")).to_have_count(2)
    assert "k1" not in page.url


def test_keyboard_navigation_and_every_view_passes_axe(serve, page):
    mock = serve("--virtual-clock")
    mock.admin.seed(records(5))
    with api(mock) as http:
        extraction_job(http)
        http.get(f"{AGENT_DATA}/missing")
    open_view(page, mock, "overview")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the view")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Overview")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the Agent Data link
    expect(page.get_by_role("heading", name="Agent Data", level=2)).to_be_focused()
    expect(page.get_by_role("link", name="Agent Data")).to_have_attribute("aria-current", "page")
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(5)
    third = rows.nth(2).locator("td").first.inner_text()
    rows.first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(rows.nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#record-detail h3")).to_have_text(f"Record {third}")
    expect(page.locator("#record-detail h3")).to_be_focused()

    with api(mock) as http:
        http.post("/deployments/wfdemo/workflows/hitl/run-nowait", json={"start_event": {"name": "Axe"}})
    mock.admin.advance_clock(0.1)  # to its question
    views = ["overview", "agent-data", "extraction", "clock", "traffic", "workflows"]
    for key, view in enumerate(views, start=1):
        page.locator("body").press(str(key))
        page.wait_for_selector(f"main[data-ready='{view}']")
        if view == "traffic":
            page.locator("#tail tbody tr").first.click()  # the request's detail too
        if view == "workflows":
            page.locator("#handlers tbody tr").first.click()  # the run's detail and its answer form
            expect(page.locator("#run-controls form")).to_be_visible()
        assert accessibility_violations(page) == [], view
