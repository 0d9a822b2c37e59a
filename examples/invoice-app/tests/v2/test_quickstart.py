import pytest
from invoice_app.ledger import Ledger
from llama_cloud import LlamaCloud


@pytest.mark.llamacloud_seed("../fixtures/invoices.yaml")  # loaded after the per-test reset
def test_unpaid_invoices_survive_two_503s(llamacloud_mock):
    llamacloud_mock.admin.add_fault(
        operation="search_agent_data", status=503, times=2, headers={"retry-after-ms": "10"}
    )

    ledger = Ledger()  # LLAMA_CLOUD_BASE_URL and LLAMA_CLOUD_API_KEY point at the fake

    assert ledger.total_due() == 1349.5
    searches = llamacloud_mock.admin.requests(operation="search_agent_data")
    assert [r["status"] for r in searches] == [503, 503, 200]  # the SDK retried twice


def test_the_fake_clock_stamps_what_is_created(llamacloud_mock):
    llamacloud_mock.admin.freeze_clock()
    llamacloud_mock.admin.set_clock("2031-01-01T09:00:00Z")

    invoice = LlamaCloud().beta.agent_data.get(Ledger().record("Acme", 5.0))

    assert invoice.created_at.isoformat() == "2031-01-01T09:00:00+00:00"
