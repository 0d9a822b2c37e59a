"""Extract v2 (``/api/v2/extract``): jobs as llama-cloud 2.x creates, polls, lists, cancels and
deletes them. No HTTP here.

A job (TinyDB table ``extract_v2_jobs``) extracts one uploaded file (``file_input``) with an
inline ``configuration`` (its ``data_schema`` checked as in v1: mockserver/domain/schemas.py).
Its result is computed when it is created (mockserver/domain/synthesis/: schema-valid,
deterministic, values found in the file where it carries them) and shown when it completes. Its
lifecycle is the shared JobEngine's, mapped to ``EXTRACT_V2_STATUS``: PENDING (queued), RUNNING,
COMPLETED, FAILED, CANCELLED. The failure markers are v1's: ``llamacloud-mock:fail`` in the
file's name or content ends the job FAILED with an ``error_message``; ``llamacloud-mock:partial``
ends it COMPLETED without its optional top-level fields, the error under
``extract_metadata.field_metadata.document_metadata.error`` (which ``ExtractedData.from_extract_job``
reports as ``metadata.field_errors``) and the webhook event ``extract.partial_success``.

``extract_metadata`` (``{field_metadata: {document_metadata | page_metadata | row_metadata},
parse_job_id, parse_tier}``) holds v1's per-field metadata (confidence, extraction_confidence,
reasoning, citation ``[{page, matching_text}]``). It is shown once the job has a result, with
``expand=extract_metadata``, and also without expand when the configuration set
``confidence_scores`` or ``cite_sources`` (the SDKs' polling GETs carry no expand).

Listings are newest first, by creation order (``seq``), in cursor pages (mockserver/domain/cursor.py).
The fake keeps no saved configurations nor saved webhook configurations: naming one is a 404.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import orjson
from tinydb.table import Document

from mockserver.domain import cursor, schema_generation, synthesis
from mockserver.domain.clock import format_epoch
from mockserver.domain.errors import Conflict, InvalidField, NotFound
from mockserver.domain.extraction import _without, marker_outcome, optional_fields
from mockserver.domain.files import FileStore
from mockserver.domain.jobs import (
    CANCELLED,
    EXTRACT_V2_STATUS,
    FAILED,
    PARTIALLY_SUCCEEDED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobEngine,
    JobStatus,
    Schedule,
)
from mockserver.domain.query import parse_instant
from mockserver.domain.schemas import parse_data_schema
from mockserver.domain.store import Store, StoreContext
from mockserver.domain.webhooks import WebhookDispatcher

JOB_KIND = "extract_v2"
# the webhook event of each state a job enters; the API names none for RUNNING
EVENTS = {
    QUEUED: "extract.pending",
    RUNNING: None,
    SUCCEEDED: "extract.success",
    PARTIALLY_SUCCEEDED: "extract.partial_success",
    FAILED: "extract.error",
    CANCELLED: "extract.cancelled",
}
TARGETS = {"per_doc": synthesis.PER_DOC, "per_page": synthesis.PER_PAGE, "per_table_row": synthesis.PER_TABLE_ROW}
TIER_CREDITS = {"cost_effective": 5.0, "agentic": 15.0, "agentic_plus": 50.0, "turbo": 35.0}  # per page
DEFAULT_TIER = "agentic"
NEWEST_FIRST = cursor.Order("newest_first", (("seq", True),))
DOCUMENT_INPUT_TYPES = ("file_id", "parse_job_id")


def check_webhook_configurations(configurations: list[dict] | None) -> list[dict]:
    for index, config in enumerate(configurations or []):
        url = config.get("webhook_url")
        if url is None:
            continue
        try:
            parsed = urlparse(url)
            usable = parsed.scheme in ("http", "https") and bool(parsed.hostname) and parsed.port != 0
        except ValueError:  # a malformed host or port
            usable = False
        if not usable:
            raise InvalidField(
                ("body", "webhook_configurations", index, "webhook_url"),
                f"webhook_url must be an absolute http or https URL, not {url!r}",
            )
    return list(configurations or [])


class ExtractV2Store(Store):
    TABLE = "extract_v2_jobs"

    def __init__(
        self,
        context: StoreContext,
        files: FileStore,
        engine: JobEngine,
        webhooks: WebhookDispatcher | None = None,
    ):
        self.table = context.db.table(self.TABLE)
        self.clock = context.clock
        self.ids = context.ids
        self.default_project_id = context.default_project_id
        self.files = files
        self.engine = engine
        self.webhooks = webhooks
        self._jobs = self.table.documents()
        if webhooks is not None:
            webhooks.register(JOB_KIND, EVENTS, self.event_data)

    # ------------------------------------------------------------------ jobs
    def create(
        self,
        file_input: str,
        configuration: dict | None,
        configuration_id: str | None = None,
        webhook_configuration_ids: list[str] | None = None,
        webhook_configurations: list[dict] | None = None,
        project_id: str | None = None,
        schedule: Schedule | None = None,
    ) -> dict:
        """A new job, PENDING. Everything is checked before anything is stored."""
        given = [
            name
            for name, value in (("configuration", configuration), ("configuration_id", configuration_id))
            if value is not None
        ]
        if len(given) != 1:
            raise InvalidField(
                ("body",),
                "Give exactly one of configuration (with its data_schema) or configuration_id"
                + (", not both" if len(given) == 2 else ""),
            )
        if configuration_id is not None:
            raise NotFound(
                "Configuration",
                configuration_id,
                f"Configuration {configuration_id!r} not found: llamacloud-mock keeps no saved configurations, "
                "send the configuration inline",
            )
        for webhook_id in webhook_configuration_ids or []:
            raise NotFound(
                "Webhook configuration",
                webhook_id,
                f"Webhook configuration {webhook_id!r} not found: llamacloud-mock keeps no saved webhook "
                "configurations, send webhook_configurations inline",
            )
        assert configuration is not None
        schema = parse_data_schema(configuration.get("data_schema"), ("body", "configuration", "data_schema"))
        hooks = check_webhook_configurations(webhook_configurations)
        file = self.files.get(file_input, project_id)
        content = self.files.content(file["id"])
        target = TARGETS[configuration.get("extraction_target") or "per_doc"]
        result = synthesis.extract(content, schema, target)
        outcome, error = marker_outcome(file["name"], content, schema)
        if schedule is None:
            default = self.engine.default_schedule
            schedule = default.ending(outcome, error) if error else default
        pages = result.pages if not configuration.get("max_pages") else min(result.pages, configuration["max_pages"])
        job_id = self.ids.uuid()
        record = {
            "id": job_id,
            "seq": self._next_seq(),
            "project_id": file["project_id"],
            "file_input": file_input,
            "configuration": configuration,
            "data_schema": schema,
            "target": target,
            "webhook_configurations": hooks,
            "result": {"data": result.data, "field_metadata": result.field_metadata},
            "pages": pages,
            "created_at": self.clock.now_iso(),
        }
        self.table.insert(Document(record, doc_id=job_id))
        status = self.engine.start(job_id, JOB_KIND, schedule)
        if hooks and self.webhooks is not None:
            self.webhooks.watch(job_id, JOB_KIND, hooks)
        return self.view(self._jobs[job_id], status)

    def _next_seq(self) -> int:
        """One more than any job's: the newest job is the last inserted (a restore keeps the order)."""
        last = next(reversed(self._jobs.values()), None)
        self._seq = max(getattr(self, "_seq", 0), last["seq"] if last else 0) + 1
        return self._seq

    def _job(self, job_id: str, project_id: str | None) -> dict:
        job = self._jobs.get(job_id)
        if job is None or (project_id and job["project_id"] != project_id):
            raise NotFound("Extraction job", job_id)
        return job

    def _notice(self, job_id: str) -> None:
        if self.webhooks is not None:
            self.webhooks.notice(job_id)

    def get(self, job_id: str, project_id: str | None = None, expand: list[str] | None = None) -> dict:
        """The job as a status poll sees it: the read counts toward poll-based schedules."""
        job = self._job(job_id, project_id)
        status = self.engine.read(job_id, poll=True)
        self._notice(job_id)
        return self.view(job, status, expand)

    def list(
        self,
        project_id: str | None = None,
        *,
        configuration_id: str | None = None,
        created_at_on_or_after: str | None = None,
        created_at_on_or_before: str | None = None,
        document_input_type: str | None = None,
        file_input: str | None = None,
        document_input_value: str | None = None,
        job_ids: list[str] | None = None,
        status: str | None = None,
        expand: list[str] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict:
        after = self._instant_param(created_at_on_or_after, "created_at_on_or_after")
        before = self._instant_param(created_at_on_or_before, "created_at_on_or_before")
        if document_input_type is not None and document_input_type not in DOCUMENT_INPUT_TYPES:
            raise InvalidField(
                ("query", "document_input_type"),
                f"document_input_type must be file_id or parse_job_id, not {document_input_type!r}",
            )
        project = project_id or self.default_project_id
        wanted_ids = set(job_ids) if job_ids else None
        inputs = {value for value in (file_input, document_input_value) if value is not None}
        matched = []
        for job in list(self._jobs.values()):
            if job["project_id"] != project or configuration_id is not None or document_input_type == "parse_job_id":
                continue
            if (wanted_ids is not None and job["id"] not in wanted_ids) or any(v != job["file_input"] for v in inputs):
                continue
            created = parse_instant(job["created_at"])
            if (after is not None and created < after) or (before is not None and created > before):
                continue
            job_status = self.engine.read(job["id"])
            if status is not None and EXTRACT_V2_STATUS[job_status.state] != status:
                continue
            matched.append((job, job_status))
        page, next_token = cursor.paginate(
            matched, NEWEST_FIRST, lambda pair: (pair[0]["seq"],), page_size, page_token, ("query", "page_token")
        )
        for job, _ in page:
            self._notice(job["id"])
        return {
            "items": [self.view(job, job_status, expand) for job, job_status in page],
            "next_page_token": next_token,
        }

    @staticmethod
    def _instant_param(value: str | None, name: str) -> datetime | None:
        if value is None:
            return None
        instant = parse_instant(value)
        if instant is None:
            raise InvalidField(
                ("query", name), f"{name} must be an ISO 8601 date-time, not {value!r}", "datetime_from_date_parsing"
            )
        return instant

    def cancel(self, job_id: str, project_id: str | None = None) -> dict:
        job = self._job(job_id, project_id)
        status = self.engine.read(job_id)
        if status.terminal:
            raise Conflict(
                f"Extraction job {job_id!r} cannot be cancelled: it is already {EXTRACT_V2_STATUS[status.state]}."
            )
        status = self.engine.cancel(job_id)
        self._notice(job_id)
        return self.view(job, status)

    def delete(self, job_id: str, project_id: str | None = None, force: bool = False) -> None:
        self._job(job_id, project_id)
        status = self.engine.read(job_id)
        if not status.terminal and not force:
            raise Conflict(
                f"Extraction job {job_id!r} is {EXTRACT_V2_STATUS[status.state]}: cancel it first "
                f"(POST /api/v2/extract/{job_id}/cancel), or delete it with force=true."
            )
        self._notice(job_id)  # the transitions this read revealed still send their events
        self.table.remove(doc_ids=[job_id])
        self.engine.remove(job_id)
        if self.webhooks is not None:
            self.webhooks.forget(job_id)

    # ------------------------------------------------------------------ the wire view
    def view(self, job: dict, status: JobStatus, expand: list[str] | None = None) -> dict:
        expanded = set(expand or ())
        config = job["configuration"]
        state = status.state
        done = state in (SUCCEEDED, PARTIALLY_SUCCEEDED)
        result = metadata = None
        if done:
            result, metadata = self._result(job, status)
        show_metadata = "extract_metadata" in expanded or config.get("confidence_scores") or config.get("cite_sources")
        return {
            "id": job["id"],
            "created_at": job["created_at"],
            "updated_at": format_epoch(status.since),
            "file_input": job["file_input"],
            "project_id": job["project_id"],
            "status": EXTRACT_V2_STATUS[state],
            "configuration": config if "configuration" in expanded else None,
            "configuration_id": None,
            "error_message": status.error if state == FAILED else None,
            "extract_result": result,
            "extract_metadata": metadata if show_metadata else None,
            "metadata": {"usage": {"num_pages_billed": job["pages"], "num_pages_extracted": job["pages"]}}
            if done
            else None,
            "usage": self._credits(job, status) if "usage" in expanded else None,
        }

    def _result(self, job: dict, status: JobStatus) -> tuple[Any, dict]:
        """(extract_result, extract_metadata) of a completed job."""
        data, field_metadata = job["result"]["data"], job["result"]["field_metadata"]
        per_doc = job["target"] == synthesis.PER_DOC
        datas = [data] if per_doc else list(data)
        metas = [field_metadata] if per_doc else [field_metadata[str(i)] for i in range(len(datas))]
        if status.state == PARTIALLY_SUCCEEDED:
            left_out = optional_fields(job["data_schema"])
            datas = [_without(d, left_out) for d in datas]
            metas = [{**_without(m, left_out), "error": status.error} if isinstance(m, dict) else m for m in metas]
        field_meta: dict[str, Any] = {"document_metadata": None, "page_metadata": None, "row_metadata": None}
        if per_doc:
            field_meta["document_metadata"] = metas[0]
        elif job["target"] == synthesis.PER_PAGE:
            field_meta["page_metadata"] = metas
        else:
            field_meta["row_metadata"] = metas
        config = job["configuration"]
        tier = config.get("tier") or DEFAULT_TIER
        metadata = {
            "field_metadata": field_meta,
            "parse_job_id": None,
            "parse_tier": config.get("parse_tier") or (None if tier == "turbo" else tier),
        }
        return (datas[0] if per_doc else datas), metadata

    @staticmethod
    def _credits(job: dict, status: JobStatus) -> dict:
        if not status.terminal:
            return {"credits": None, "extract_credits": None, "parse_credits": None}
        if status.state in (SUCCEEDED, PARTIALLY_SUCCEEDED):
            extract = job["pages"] * TIER_CREDITS[job["configuration"].get("tier") or DEFAULT_TIER]
        else:
            extract = 0.0
        return {"credits": extract, "extract_credits": extract, "parse_credits": 0.0}

    def event_data(self, job_id: str, status: JobStatus) -> dict:
        """The job as a webhook event carries it: as of ``status``, everything expanded."""
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("Extraction job", job_id)
        return self.view(job, status, ["configuration", "extract_metadata", "usage"])

    # ------------------------------------------------------------------ schemas
    @staticmethod
    def validate_schema(data_schema: Any) -> dict:
        return {"data_schema": parse_data_schema(data_schema, ("body", "data_schema"))}

    def generate_schema(
        self,
        data_schema: Any = None,
        file_id: str | None = None,
        name: str | None = None,
        prompt: str | None = None,
        project_id: str | None = None,
    ) -> dict:
        """A configuration request holding a schema: the one given, extended by what the file
        and the prompt name (see mockserver/domain/schema_generation.py)."""
        if data_schema is None and file_id is None and not (prompt or "").strip():
            raise InvalidField(("body",), "Give at least one of data_schema, file_id or prompt")
        schema = (
            parse_data_schema(data_schema, ("body", "data_schema"))
            if data_schema is not None
            else schema_generation.empty_schema()
        )
        if file_id is not None:
            file = self.files.get(file_id, project_id)
            schema = schema_generation.extend(schema, schema_generation.from_content(self.files.content(file["id"])))
        if prompt and prompt.strip():
            from_prompt = schema_generation.from_prompt(prompt)
            if data_schema is None and file_id is None and not from_prompt["properties"]:
                raise InvalidField(
                    ("body", "prompt"),
                    "The prompt names no field: list the fields to extract, e.g. 'the vendor, the total and the date'",
                )
            schema = schema_generation.extend(schema, from_prompt)
        digest = hashlib.sha256(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)).hexdigest()[:8]
        return {
            "name": name or f"generated-schema-{digest}",
            "parameters": {"product_type": "extract_v2", "data_schema": schema},
        }
