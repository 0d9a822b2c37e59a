"""Invoice files read by LlamaExtract, with llama-cloud-services (on llama-cloud 0.1.x)."""

from __future__ import annotations

from pathlib import Path

from llama_cloud.core.api_error import ApiError
from llama_cloud_services import LlamaExtract
from llama_cloud_services.extract.extract import ExtractionAgent
from pydantic import BaseModel

AGENT_NAME = "invoices"


class Invoice(BaseModel):
    invoice_number: str
    vendor: str
    total: float


class ExtractionFailed(RuntimeError):
    """LlamaExtract could not read the invoice; the message is its error."""


def invoice_agent(extractor: LlamaExtract | None = None) -> ExtractionAgent:
    """The extraction agent for invoices, created on first use."""
    # With no extractor: LLAMA_CLOUD_API_KEY and LLAMA_CLOUD_BASE_URL say where LlamaCloud is.
    extractor = extractor or LlamaExtract(show_progress=False)
    try:
        return extractor.get_agent(name=AGENT_NAME)
    except ApiError as e:
        if e.status_code != 404:
            raise
        return extractor.create_agent(AGENT_NAME, data_schema=Invoice)


def _invoice(run) -> Invoice:
    if run.status != "SUCCESS":
        raise ExtractionFailed(run.error or f"the extraction ended {run.status}")
    return Invoice.model_validate(run.data)


def read_invoice(path: str | Path, extractor: LlamaExtract | None = None) -> Invoice:
    return _invoice(invoice_agent(extractor).extract(path))


async def aread_invoice(path: str | Path, extractor: LlamaExtract | None = None) -> Invoice:
    return _invoice(await invoice_agent(extractor).aextract(path))
