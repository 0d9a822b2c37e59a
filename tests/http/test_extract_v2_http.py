"""Extract v2 over HTTP (/api/v2/extract): every operation, its errors, and the lifecycle on the wire.

The fakes here run on a virtual clock whose jobs take 10 s (5 queued, 5 running): a job moves
only when the test advances the clock.
"""

from __future__ import annotations

import pytest

from tests.support import DEFAULT_PROJECT_ID as DEFAULT_PROJECT
from tests.support import detail_locs, ok

API = "/api/v2/extract"
SCHEMA = {
    "type": "object",
    "required": ["vendor", "total"],
    "properties": {
        "vendor": {"type": "string"},
        "total": {"type": "number"},
        "currency": {"type": "string", "enum": ["USD", "EUR"]},
        "note": {"type": "string"},
    },
}
TEXT = b"Vendor: Globex\nTotal: 1,250.00\nCurrency: eur\n"
FOUND = {"vendor": "Globex", "total": 1250.0, "currency": "EUR"}
JOB_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "file_input",
    "project_id",
    "status",
    "configuration",
    "configuration_id",
    "error_message",
    "extract_result",
    "extract_metadata",
    "metadata",
    "usage",
}


@pytest.fixture
def fake(make_client):
    return make_client(virtual_clock=True, job_duration=10)


def upload(client, content=TEXT, name="invoice.txt", **params):
    return ok(
        client.post(
            "/api/v1/beta/files",
            params=params,
            data={"purpose": "extract"},
            files={"file": (name, content, "text/plain")},
        )
    )


def create(client, file, schema=SCHEMA, params=None, **configuration):
    body = {"file_input": file["id"], "configuration": {"data_schema": schema, **configuration}}
    return ok(client.post(API, params=params or {}, json=body))


def advance(client, seconds):
    ok(client.post("/_mock/clock/advance", json={"seconds": seconds}))


def get(client, job, **params):
    return ok(client.get(f"{API}/{job['id']}", params=params))


# ------------------------------------------------------------------ lifecycle
def test_a_job_is_pending_then_running_then_completed_on_the_clock(fake):
    file = upload(fake)
    job = create(fake, file, tier="agentic")
    assert set(job) == JOB_FIELDS
    assert (job["status"], job["file_input"], job["project_id"]) == ("PENDING", file["id"], DEFAULT_PROJECT)
    assert job["created_at"] == job["updated_at"]
    assert (job["extract_result"], job["extract_metadata"], job["error_message"], job["metadata"]) == (
        None,
        None,
        None,
        None,
    )
    assert get(fake, job)["status"] == "PENDING"
    advance(fake, 5)
    running = get(fake, job)
    assert (running["status"], running["extract_result"]) == ("RUNNING", None)
    assert running["updated_at"] > job["updated_at"]
    advance(fake, 5)
    done = get(fake, job)
    assert done["status"] == "COMPLETED"
    assert {k: done["extract_result"][k] for k in FOUND} == FOUND
    assert isinstance(done["extract_result"]["note"], str)  # not in the file: synthesized, schema-valid
    assert done["metadata"] == {"usage": {"num_pages_billed": 1, "num_pages_extracted": 1}}
    assert done["extract_metadata"] is None  # neither asked for nor expanded
    assert done["configuration"] is None and done["usage"] is None


def test_extract_metadata_comes_with_confidence_scores_or_cite_sources_or_expand(fake):
    file = upload(fake)
    plain = create(fake, file)
    scored = create(fake, file, confidence_scores=True)
    cited = create(fake, file, cite_sources=True)
    advance(fake, 10)
    assert get(fake, plain)["extract_metadata"] is None
    expanded = get(fake, plain, expand="extract_metadata")["extract_metadata"]
    for job in (scored, cited):
        assert get(fake, job)["extract_metadata"] == expanded
    document = expanded["field_metadata"]["document_metadata"]
    assert set(document) == {"vendor", "total", "currency", "note"}
    assert document["vendor"]["citation"] == [{"page": 1, "matching_text": "Vendor: Globex"}]
    assert document["vendor"]["reasoning"] == "VERBATIM EXTRACTION"
    assert 0.90 <= document["vendor"]["confidence"] <= 0.99
    assert document["note"]["citation"] == [] and 0.30 <= document["note"]["confidence"] <= 0.60
    assert expanded["field_metadata"]["page_metadata"] is None and expanded["field_metadata"]["row_metadata"] is None
    assert (expanded["parse_job_id"], expanded["parse_tier"]) == (None, "agentic")


def test_expand_configuration_echoes_it_exactly_and_usage_counts_credits(fake):
    file = upload(fake, content=TEXT + b"\f" + TEXT)  # two pages
    config = {"tier": "cost_effective", "system_prompt": "be precise", "max_pages": 5}
    job = create(fake, file, **config)
    pending = get(fake, job, expand=["configuration", "usage"])
    assert pending["configuration"] == {"data_schema": SCHEMA, **config}
    assert pending["usage"] == {"credits": None, "extract_credits": None, "parse_credits": None}
    advance(fake, 10)
    done = get(fake, job, expand="usage")
    assert done["usage"] == {"credits": 10.0, "extract_credits": 10.0, "parse_credits": 0.0}  # 2 pages x 5
    assert done["metadata"]["usage"] == {"num_pages_billed": 2, "num_pages_extracted": 2}
    assert detail_locs(fake.get(f"{API}/{job['id']}", params={"expand": "everything"})) == [["query", "expand"]]


def test_the_fail_marker_ends_the_job_failed(fake):
    file = upload(fake, name="llamacloud-mock:fail.txt")
    job = create(fake, file, confidence_scores=True)
    advance(fake, 10)
    failed = get(fake, job, expand="usage")
    assert failed["status"] == "FAILED"
    assert failed["error_message"] == (
        "Extraction failed: the file 'llamacloud-mock:fail.txt' carries the marker 'llamacloud-mock:fail', "
        "so llamacloud-mock fails its extraction on purpose."
    )
    assert (failed["extract_result"], failed["extract_metadata"], failed["metadata"]) == (None, None, None)
    assert failed["usage"] == {"credits": 0.0, "extract_credits": 0.0, "parse_credits": 0.0}


def test_the_partial_marker_completes_without_the_optional_fields(fake):
    file = upload(fake, content=TEXT + b"llamacloud-mock:partial\n")
    job = create(fake, file, confidence_scores=True)
    advance(fake, 10)
    done = get(fake, job)
    assert done["status"] == "COMPLETED" and done["error_message"] is None
    assert done["extract_result"] == {"vendor": "Globex", "total": 1250.0}
    document = done["extract_metadata"]["field_metadata"]["document_metadata"]
    assert set(document) == {"vendor", "total", "error"}
    assert document["error"].endswith("these fields could not be extracted: currency, note.")


def test_per_page_targets_give_one_object_and_one_metadata_map_per_page(fake):
    file = upload(fake, content=b"Vendor: A\nTotal: 1\f" + b"Vendor: B\nTotal: 2\n")
    job = create(fake, file, extraction_target="per_page", cite_sources=True)
    advance(fake, 10)
    done = get(fake, job)
    assert [(page["vendor"], page["total"]) for page in done["extract_result"]] == [("A", 1), ("B", 2)]
    field_metadata = done["extract_metadata"]["field_metadata"]
    assert field_metadata["document_metadata"] is None
    assert [page["vendor"]["citation"] for page in field_metadata["page_metadata"]] == [
        [{"page": 1, "matching_text": "Vendor: A"}],
        [{"page": 2, "matching_text": "Vendor: B"}],
    ]


def test_the_same_file_and_schema_give_the_same_result(fake):
    first, second = upload(fake), upload(fake, name="again.txt")
    jobs = [create(fake, first), create(fake, second)]
    advance(fake, 10)
    results = [get(fake, job)["extract_result"] for job in jobs]
    assert results[0] == results[1]


# ------------------------------------------------------------------ cancel and delete
def test_cancel_a_pending_or_running_job_but_not_a_finished_one(fake):
    file = upload(fake)
    pending, running = create(fake, file), None
    advance(fake, 5)
    running = create(fake, file)  # queued now, while the first one runs
    cancelled = ok(fake.post(f"{API}/{pending['id']}/cancel"))
    assert (cancelled["status"], cancelled["error_message"], cancelled["extract_result"]) == ("CANCELLED", None, None)
    assert get(fake, pending)["status"] == "CANCELLED"
    advance(fake, 100)
    assert get(fake, pending)["status"] == "CANCELLED"  # stays so
    again = fake.post(f"{API}/{pending['id']}/cancel")
    assert again.status_code == 409 and again.headers["x-should-retry"] == "false"
    assert again.json() == {"detail": f"Extraction job '{pending['id']}' cannot be cancelled: it is already CANCELLED."}
    finished = fake.post(f"{API}/{running['id']}/cancel")
    assert finished.status_code == 409 and "already COMPLETED" in finished.json()["detail"]
    assert fake.post(f"{API}/nope/cancel").json() == {"detail": "Extraction job 'nope' not found"}


def test_delete_refuses_an_unfinished_job_unless_forced(fake):
    file = upload(fake)
    job = create(fake, file)
    refused = fake.delete(f"{API}/{job['id']}")
    assert refused.status_code == 409 and refused.headers["x-should-retry"] == "false"
    assert refused.json()["detail"] == (
        f"Extraction job '{job['id']}' is PENDING: cancel it first (POST /api/v2/extract/{job['id']}/cancel), "
        "or delete it with force=true."
    )
    assert detail_locs(fake.delete(f"{API}/{job['id']}", params={"force": "perhaps"})) == [["query", "force"]]
    assert ok(fake.delete(f"{API}/{job['id']}", params={"force": "true"})) == {}
    assert fake.get(f"{API}/{job['id']}").status_code == 404
    finished = create(fake, file)
    advance(fake, 10)
    assert ok(fake.delete(f"{API}/{finished['id']}")) == {}
    assert fake.delete(f"{API}/{finished['id']}").status_code == 404
    assert ok(fake.get(API))["items"] == []


# ------------------------------------------------------------------ listing
def test_list_is_newest_first_in_cursor_pages(fake):
    file = upload(fake)
    ids = [create(fake, file)["id"] for _ in range(5)]  # same instant on the frozen clock
    first = ok(fake.get(API, params={"page_size": 2}))
    assert [j["id"] for j in first["items"]] == ids[::-1][:2]
    second = ok(fake.get(API, params={"page_size": 2, "page_token": first["next_page_token"]}))
    create(fake, file)  # a new job between two pages moves nothing
    third = ok(fake.get(API, params={"page_size": 2, "page_token": second["next_page_token"]}))
    assert [j["id"] for j in second["items"] + third["items"]] == ids[::-1][2:]
    assert third["next_page_token"] is None
    assert len(ok(fake.get(API, params={"page_size": 5000}))["items"]) == 6  # treated as 1000
    assert detail_locs(fake.get(API, params={"page_token": "garbage"})) == [["query", "page_token"]]
    assert detail_locs(fake.get(API, params={"page_size": 0})) == [["query", "page_size"]]


def test_list_filters(fake):
    file, other_file = upload(fake), upload(fake, name="other.txt")
    old = create(fake, file)
    advance(fake, 5)
    running_at = get(fake, old)["updated_at"]
    new = create(fake, other_file)
    cancelled = create(fake, file)
    ok(fake.post(f"{API}/{cancelled['id']}/cancel"))

    def ids(**params):
        return [j["id"] for j in ok(fake.get(API, params=params))["items"]]

    assert ids() == [cancelled["id"], new["id"], old["id"]]
    assert ids(status="RUNNING") == [old["id"]]
    assert ids(status="CANCELLED") == [cancelled["id"]]
    assert ids(status="THROTTLED") == []
    assert ids(file_input=file["id"]) == [cancelled["id"], old["id"]]
    assert ids(document_input_value=other_file["id"]) == [new["id"]]
    assert ids(job_ids=[old["id"], new["id"]]) == [new["id"], old["id"]]
    assert ids(created_at_on_or_after=running_at) == [cancelled["id"], new["id"]]
    assert ids(created_at_on_or_before="2000-01-01T00:00:00Z") == []
    assert ids(document_input_type="file_id") == ids()
    assert ids(document_input_type="parse_job_id") == []
    assert ids(configuration_id="cfg-1") == []
    assert detail_locs(fake.get(API, params={"status": "DONE"})) == [["query", "status"]]
    assert detail_locs(fake.get(API, params={"created_at_on_or_after": "yesterday"})) == [
        ["query", "created_at_on_or_after"]
    ]
    assert detail_locs(fake.get(API, params={"document_input_type": "url"})) == [["query", "document_input_type"]]
    listed = ok(fake.get(API, params={"job_ids": old["id"], "expand": ["configuration", "extract_metadata"]}))
    assert listed["items"][0]["configuration"] == {"data_schema": SCHEMA}


def test_jobs_belong_to_their_file_s_project(fake):
    mine = upload(fake, project_id="project-a")
    job = create(fake, mine)  # naming no project: the file's
    assert job["project_id"] == "project-a"
    assert ok(fake.get(API))["items"] == []  # the default project's jobs
    assert [j["id"] for j in ok(fake.get(API, headers={"Project-Id": "project-a"}))["items"]] == [job["id"]]
    assert fake.get(f"{API}/{job['id']}", params={"project_id": "project-b"}).status_code == 404
    assert get(fake, job)["id"] == job["id"]  # by id alone
    elsewhere = fake.post(
        API,
        params={"project_id": "project-b"},
        json={"file_input": mine["id"], "configuration": {"data_schema": SCHEMA}},
    )
    assert elsewhere.status_code == 404 and elsewhere.json() == {"detail": f"File '{mine['id']}' not found"}


# ------------------------------------------------------------------ errors on create
def test_create_errors(fake):
    file = upload(fake)

    def post(body):
        return fake.post(API, json=body)

    config = {"data_schema": SCHEMA}
    assert detail_locs(post({"configuration": config})) == [["body", "file_input"]]
    neither = post({"file_input": file["id"]})
    assert detail_locs(neither) == [["body"]]
    assert (
        neither.json()["detail"][0]["msg"]
        == "Give exactly one of configuration (with its data_schema) or configuration_id"
    )
    both = post({"file_input": file["id"], "configuration": config, "configuration_id": "cfg-1"})
    assert both.json()["detail"][0]["msg"].endswith(", not both")
    saved = post({"file_input": file["id"], "configuration_id": "cfg-1"})
    assert saved.status_code == 404 and saved.json()["detail"].startswith("Configuration 'cfg-1' not found")
    hooks = post({"file_input": file["id"], "configuration": config, "webhook_configuration_ids": ["wh-1"]})
    assert hooks.status_code == 404 and hooks.json()["detail"].startswith("Webhook configuration 'wh-1' not found")
    missing = post({"file_input": "dfl-missing", "configuration": config})
    assert missing.status_code == 404 and missing.json() == {"detail": "File 'dfl-missing' not found"}
    assert detail_locs(post({"file_input": file["id"], "configuration": {"tier": "agentic"}})) == [
        ["body", "configuration", "data_schema"]
    ]
    assert detail_locs(post({"file_input": file["id"], "configuration": {**config, "tier": "deluxe"}})) == [
        ["body", "configuration", "tier"]
    ]
    assert detail_locs(post({"file_input": file["id"], "configuration": {**config, "cite_sources": "yes"}})) == [
        ["body", "configuration", "cite_sources"]
    ]
    bad_schema = {"type": "object", "properties": {"total": {"type": "money"}}}
    assert detail_locs(post({"file_input": file["id"], "configuration": {"data_schema": bad_schema}})) == [
        ["body", "configuration", "data_schema", "properties", "total", "type"]
    ]
    bad_hook = post(
        {
            "file_input": file["id"],
            "configuration": config,
            "webhook_configurations": [{"webhook_url": "https://ok.example/hook"}, {"webhook_url": "ftp://x"}],
        }
    )
    assert detail_locs(bad_hook) == [["body", "webhook_configurations", 1, "webhook_url"]]
    bad_event = post(
        {
            "file_input": file["id"],
            "configuration": config,
            "webhook_configurations": [{"webhook_url": "http://x", "webhook_events": ["extract.done"]}],
        }
    )
    assert detail_locs(bad_event) == [["body", "webhook_configurations", 0, "webhook_events", 0]]
    assert ok(fake.get(API))["items"] == []  # nothing refused was created


def test_unknown_jobs_are_404_and_a_token_is_required(fake):
    assert fake.get(f"{API}/nope").json() == {"detail": "Extraction job 'nope' not found"}
    assert fake.delete(f"{API}/nope").status_code == 404
    anonymous = fake.get(API, headers={"Authorization": ""})
    assert anonymous.status_code == 401


# ------------------------------------------------------------------ schemas
def test_schema_validation(fake):
    path = f"{API}/schema/validation"
    assert ok(fake.post(path, json={"data_schema": SCHEMA})) == {"data_schema": SCHEMA}
    assert detail_locs(fake.post(path, json={"data_schema": {"type": "array"}})) == [["body", "data_schema", "type"]]
    assert detail_locs(fake.post(path, json={"data_schema": "{}"})) == [["body", "data_schema"]]
    assert detail_locs(fake.post(path, json={})) == [["body", "data_schema"]]


def test_schema_generation_from_a_prompt_a_file_or_a_schema(fake):
    path = f"{API}/schema/generate"
    from_prompt = ok(fake.post(path, json={"prompt": "Extract the vendor name, the total amount and the invoice date"}))
    assert from_prompt["parameters"] == {
        "product_type": "extract_v2",
        "data_schema": {
            "type": "object",
            "properties": {
                "vendor_name": {"type": "string"},
                "total_amount": {"type": "number"},
                "invoice_date": {"type": "string", "format": "date"},
            },
            "required": ["vendor_name", "total_amount", "invoice_date"],
        },
    }
    assert from_prompt["name"].startswith("generated-schema-")
    assert ok(fake.post(path, json={"prompt": "Extract the vendor name, the total amount and the invoice date"})) == (
        from_prompt
    )

    file = upload(fake, content=b"Invoice Number: INV-7\nTotal: $1,250.00\nPaid: yes\nDue: 2024-05-01\n")
    from_file = ok(fake.post(path, json={"file_id": file["id"], "name": "invoices"}))
    assert from_file == {
        "name": "invoices",
        "parameters": {
            "product_type": "extract_v2",
            "data_schema": {
                "type": "object",
                "properties": {
                    "invoice_number": {"type": "string", "title": "Invoice Number"},
                    "total": {"type": "number", "title": "Total"},
                    "paid": {"type": "boolean", "title": "Paid"},
                    "due": {"type": "string", "format": "date", "title": "Due"},
                },
                "required": ["invoice_number", "total", "paid", "due"],
            },
        },
    }
    # the generated schema finds the file's values again
    job = create(fake, file, schema=from_file["parameters"]["data_schema"])
    advance(fake, 10)
    assert get(fake, job)["extract_result"] == {
        "invoice_number": "INV-7",
        "total": 1250.0,
        "paid": True,
        "due": "2024-05-01",
    }

    extended = ok(fake.post(path, json={"data_schema": SCHEMA, "prompt": "vendor, due date"}))["parameters"]
    assert list(extended["data_schema"]["properties"]) == ["vendor", "total", "currency", "note", "due_date"]
    assert extended["data_schema"]["required"] == ["vendor", "total", "due_date"]

    assert detail_locs(fake.post(path, json={})) == [["body"]]
    assert detail_locs(fake.post(path, json={"prompt": "the"})) == [["body", "prompt"]]
    assert detail_locs(fake.post(path, json={"data_schema": {"type": 3}})) == [["body", "data_schema", "type"]]
    assert fake.post(path, json={"file_id": "dfl-missing"}).status_code == 404


def test_results_validate_against_the_configuration_s_schema(make_client):
    from jsonschema import Draft202012Validator

    from mockserver.domain.synthesis import FORMAT_CHECKER

    fake = make_client(job_duration=0)  # done when created
    schema = {
        "type": "object",
        "required": ["id", "issued", "lines", "status", "contact"],
        "properties": {
            "id": {"type": "string", "pattern": "^INV-[0-9]{3}$"},
            "issued": {"type": "string", "format": "date"},
            "status": {"enum": ["draft", "sent", "paid"]},
            "score": {"type": "integer", "minimum": 10, "maximum": 20, "multipleOf": 5},
            "contact": {
                "type": "object",
                "required": ["email"],
                "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": ["string", "null"]}},
            },
            "lines": {
                "type": "array",
                "minItems": 2,
                "items": {"$ref": "#/$defs/line"},
            },
        },
        "$defs": {"line": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number"}}}},
    }
    file = upload(fake, content=b"Status: PAID\nScore: 15\n")
    job = create(fake, file, schema=schema)
    assert job["status"] == "COMPLETED"
    Draft202012Validator(schema, format_checker=FORMAT_CHECKER).validate(job["extract_result"])
    assert (job["extract_result"]["status"], job["extract_result"]["score"]) == ("paid", 15)
    assert len(job["extract_result"]["lines"]) >= 2
