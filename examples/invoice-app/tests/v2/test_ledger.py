"""The ledger (llama-cloud 2.x) against the fake: retries, Retry-After, dropped connections,
isolation between tests, and the same answers in process as over a socket."""

from __future__ import annotations

from datetime import datetime

import pytest

pytest.importorskip("llama_cloud", minversion="2")  # this folder runs where llama-cloud 2.x is

from invoice_app.ledger import Ledger  # noqa: E402
from llama_cloud import AsyncLlamaCloud, InternalServerError, LlamaCloud, NotFoundError  # noqa: E402


@pytest.fixture
def ledger(llamacloud_mock):
    with LlamaCloud() as client:  # configured by the plugin's environment variables
        yield Ledger(client)


def statuses(mock, operation: str) -> list:
    return [request["status"] for request in mock.admin.requests(operation=operation)]


def test_two_injected_503s_then_success(llamacloud_mock, ledger):
    llamacloud_mock.admin.add_fault(
        operation="create_agent_data", status=503, times=2, headers={"retry-after-ms": "20"}
    )

    invoice_id = ledger.record("Globex", 120.0)

    creates = llamacloud_mock.admin.requests(operation="create_agent_data")
    assert [r["status"] for r in creates] == [503, 503, 200]
    assert [r["headers"]["x-stainless-retry-count"] for r in creates] == ["0", "1", "2"]
    assert [r["body"]["data"] for r in creates] == [{"vendor": "Globex", "total": 120.0, "paid": False}] * 3
    assert ledger.unpaid() == [{"vendor": "Globex", "total": 120.0, "paid": False}]  # created once
    assert ledger.client.beta.agent_data.get(invoice_id).data["vendor"] == "Globex"
    assert llamacloud_mock.admin.fault("fault-1")["fired"] == 2


def test_a_429_with_retry_after_is_honoured(llamacloud_mock, ledger):
    llamacloud_mock.admin.add_fault(operation="search_agent_data", status=429, times=1, headers={"Retry-After": "2"})

    assert ledger.unpaid() == []

    limited, retried = llamacloud_mock.admin.requests(operation="search_agent_data")
    assert (limited["status"], retried["status"]) == (429, 200)
    waited = datetime.fromisoformat(retried["received_at"]) - datetime.fromisoformat(limited["received_at"])
    # the SDK's own first backoff is at most 0.5 s: waiting 2 s is the server's Retry-After
    assert 1.9 <= waited.total_seconds() < 5


def test_x_should_retry_false_stops_the_retries(llamacloud_mock, ledger):
    llamacloud_mock.admin.add_fault(operation="search_agent_data", status=503, headers={"x-should-retry": "false"})

    with pytest.raises(InternalServerError) as refused:
        ledger.unpaid()

    assert refused.value.status_code == 503
    assert statuses(llamacloud_mock, "search_agent_data") == [503]  # one request, no retry


def test_a_dropped_connection_is_retried(llamacloud_mock, ledger):
    llamacloud_mock.admin.add_fault(operation="create_agent_data", drop=True, nth=1)

    ledger.record("Initech", 99.5)

    assert statuses(llamacloud_mock, "create_agent_data") == [None, 200]  # None: no answer was sent
    assert ledger.total_due() == 99.5


@pytest.mark.parametrize("vendor", ["Globex", "Initech", "Umbrella"])
def test_each_test_starts_from_an_empty_ledger(llamacloud_mock, ledger, vendor):
    assert ledger.unpaid() == []
    ledger.record(vendor, 1.0)
    assert [invoice["vendor"] for invoice in ledger.unpaid()] == [vendor]
    assert len(llamacloud_mock.admin.requests()) == 3  # the journal starts empty too


@pytest.mark.llamacloud_seed("../fixtures/invoices.yaml")
def test_a_seeded_ledger(ledger):
    assert [invoice["vendor"] for invoice in ledger.unpaid()] == ["Globex", "Initech"]
    assert ledger.total_due() == 1349.5


# ---------------------------------------------------------------- in process and over a socket
def same_start(mock) -> None:
    """Ids from one seed and a frozen clock at one instant: runs that can be compared."""
    mock.admin.reset(id_seed=7)
    mock.admin.freeze_clock()
    mock.admin.set_clock("2031-06-01T12:00:00Z")


def ledger_session(client: LlamaCloud) -> dict:
    ledger = Ledger(client)
    ids = [ledger.record(vendor, total) for vendor, total in [("Globex", 10.0), ("Initech", 20.5), ("Acme", 3.0)]]
    ledger.mark_paid(ids[1])
    with pytest.raises(NotFoundError) as missing:
        client.beta.agent_data.get("no-such-invoice")
    return {
        "ids": ids,
        "invoices": [client.beta.agent_data.get(i).model_dump(mode="json") for i in ids],
        "unpaid": ledger.unpaid(),
        "due": ledger.total_due(),
        "missing": (missing.value.status_code, missing.value.body),
    }


def journal(mock) -> list:
    return [(r["method"], r["path"], r["operation"], r["status"], r["body"]) for r in mock.admin.requests()]


def test_in_process_and_socket_give_identical_answers(llamacloud_mock, llamacloud_mock_inprocess):
    answers = {}
    for mock in (llamacloud_mock, llamacloud_mock_inprocess):
        same_start(mock)
        with LlamaCloud(api_key=mock.api_key, base_url=mock.url, http_client=mock.http_client()) as client:
            answers[mock.url] = (ledger_session(client), journal(mock))
    over_socket, in_process = answers[llamacloud_mock.url], answers[llamacloud_mock_inprocess.url]
    assert over_socket == in_process
    session, requests = over_socket
    assert session["due"] == 13.0 and [i["vendor"] for i in session["unpaid"]] == ["Acme", "Globex"]
    assert session["invoices"][0]["created_at"] == "2031-06-01T12:00:00Z"
    assert session["missing"] == (404, {"detail": "Agent data 'no-such-invoice' not found"})
    assert len(requests) == 11


async def test_the_async_client_in_process(llamacloud_mock_inprocess):
    mock = llamacloud_mock_inprocess
    mock.admin.add_fault(operation="create_agent_data", status=502, times=1, headers={"retry-after-ms": "10"})
    async with AsyncLlamaCloud(api_key=mock.api_key, base_url=mock.url, http_client=mock.async_http_client()) as client:
        created = await client.beta.agent_data.create(deployment_name="invoice-app", data={"vendor": "Globex"})
        assert (await client.beta.agent_data.get(created.id)).data == {"vendor": "Globex"}
    assert [r["status"] for r in mock.admin.requests()] == [502, 200, 200]
