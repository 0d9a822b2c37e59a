"""Invoices kept in LlamaCloud Agent Data, with llama-cloud 2.x."""

from __future__ import annotations

from llama_cloud import LlamaCloud

DEPLOYMENT = "invoice-app"
COLLECTION = "invoices"


class Ledger:
    def __init__(self, client: LlamaCloud | None = None):
        # With no client: LLAMA_CLOUD_API_KEY and LLAMA_CLOUD_BASE_URL say where LlamaCloud is.
        self.client = client or LlamaCloud()
        self.scope = {"deployment_name": DEPLOYMENT, "collection": COLLECTION}

    def record(self, vendor: str, total: float, paid: bool = False) -> str:
        item = self.client.beta.agent_data.create(**self.scope, data={"vendor": vendor, "total": total, "paid": paid})
        return item.id

    def mark_paid(self, invoice_id: str) -> None:
        invoice = self.client.beta.agent_data.get(invoice_id)
        self.client.beta.agent_data.update(invoice_id, data={**invoice.data, "paid": True})

    def unpaid(self) -> list[dict]:
        found = self.client.beta.agent_data.search(**self.scope, filter={"paid": {"eq": False}}, order_by="data.vendor")
        return [item.data for item in found]

    def total_due(self) -> float:
        return sum(invoice["total"] for invoice in self.unpaid())
