"""The contract harness (contracts/): the fake conforms to every spec it serves (a bounded run of
``make contract``), and the options for live APIs do what they say: read-only, a request budget,
cleanup of what a run created, reports and exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("schemathesis")

import requests  # noqa: E402

from contracts import report  # noqa: E402
from contracts.fake import serve  # noqa: E402
from contracts.runner import ALL_CHECKS, SAFE_METHODS, RunOptions, _interval, _request, build_config, run  # noqa: E402
from contracts.targets import all_targets, resolve, rules_from_links  # noqa: E402
from mockserver.app import create_app  # noqa: E402
from mockserver.cli import main  # noqa: E402
from mockserver.config import Config  # noqa: E402

KEY = "harness-key"


def in_process(target, **options):
    app = create_app(Config(api_keys=(KEY,), job_duration=0, id_seed=11, profile=target.profile))
    return app, run(target, app=app, token=KEY, options=RunOptions(**options))


def test_every_spec_of_every_profile_is_a_target_the_seed_as_published():
    targets = all_targets()
    assert {"agent_data", "extraction_v1", "seed"} <= set(targets)
    assert "admin" not in targets  # the fake's own controls are not LlamaCloud's contract
    assert targets["seed"].spec.name == "llamaextract-api.yaml" and targets["seed"].profile == "seed"
    assert targets["seed"].base_path == "/api/v1"
    assert targets["agent_data"].base_path == ""
    assert all(len(exclusion.reason) > 80 for target in targets.values() for exclusion in target.exclusions)
    assert [e.id for e in targets["seed"].exclusions][-1] == "seed-list-agents-without-project"


@pytest.mark.parametrize("name", sorted(all_targets()))
def test_the_fake_conforms_to_every_spec_it_serves(name):
    """A bounded run of what `make contract` runs (every phase and check, a few examples)."""
    target = all_targets()[name]
    _, result = in_process(target, max_examples=3)
    assert result.failures == {}, report.summary(result)
    assert result.errors == [], report.summary(result)
    untested = [label for label, stats in result.operations.items() if stats.requests == 0]
    assert untested == []
    assert sum(stats.count(200) for stats in result.operations.values()) > 0


def test_the_stateful_phase_walks_the_links_of_our_specs():
    target = resolve("agent_data")
    declared = {
        name
        for item in target.load()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        for name in response.get("links", {})
    }
    assert {"GetCreatedRecord", "DeleteCreatedRecord", "SearchItsCollection", "NextPage"} <= declared
    _, result = in_process(target, max_examples=10, phases=("examples", "coverage", "stateful"))
    assert result.links_total >= len(declared)  # the spec's links, and those Schemathesis infers
    followed = {link.split(" -> ")[1].split("] ")[-1] for link in result.links_covered}
    assert len(followed & declared) >= 2, followed


def test_read_only_sends_only_safe_methods_and_changes_nothing():
    app, result = in_process(resolve("agent_data"), max_examples=3, read_only=True)
    assert set(result.operations) == {"GET /api/v1/beta/agent-data/{item_id}"}
    assert result.ok and result.requests > 0
    assert set(result.methods) <= set(SAFE_METHODS) and result.methods["GET"] > 0
    assert dict(app.state.agent_data.table.documents()) == {}  # nothing was created


def test_a_request_budget_stops_the_run():
    _, result = in_process(resolve("agent_data"), max_examples=10, max_requests=25)
    assert result.requests == 25
    assert result.stopped_by_budget
    assert result.errors == [] and result.failures == {}
    assert "stopped: the request budget (25) was spent" in report.summary(result)


def test_cleanup_follows_the_specs_links_from_create_to_delete():
    for name in ("agent_data", "extraction_v1"):
        target = resolve(name)
        assert tuple(rules_from_links(target.load())) == target.cleanup
    assert [(r.operation_id, r.delete_path) for r in resolve("extraction_v1").cleanup] == [
        ("create_extraction_agent", "/api/v1/extraction/extraction-agents/{id}"),
        ("upload_file", "/api/v1/files/{id}"),
    ]


def test_a_live_run_deletes_what_it_created():
    target = resolve("agent_data")
    with serve("default") as (url, key):
        options = RunOptions(max_examples=5, phases=("examples", "fuzzing"), operation_ids=("create_agent_data",))
        result = run(target, base_url=url, token=key, options=options)
        assert result.ok
        created = result.operations["POST /api/v1/beta/agent-data"].count(200)
        assert created > 0
        assert len(result.cleanup.deleted) == created  # every record the run created, and nothing else
        assert result.cleanup.already_gone == [] and result.cleanup.failed == []
        for line in result.cleanup.deleted:
            record_url = line.removeprefix("DELETE ")
            assert requests.get(record_url, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 404
    assert f"cleanup: {len(result.cleanup.deleted)} deleted" in report.summary(result)


def test_reports_name_each_operation_and_list_the_exclusions_with_their_reasons(tmp_path):
    _, result = in_process(resolve("agent_data"), max_examples=3, phases=("examples", "fuzzing"))
    junit_path, markdown_path = report.write([result], tmp_path)
    suites = ET.parse(junit_path).getroot()
    [suite] = suites.findall("testsuite")
    assert suite.get("name") == "agent_data" and suite.get("failures") == "0"
    assert {case.get("name") for case in suite.findall("testcase")} == set(result.operations)
    markdown = markdown_path.read_text()
    assert markdown.startswith(
        "# Contract drift report\n\nSchemathesis 4.32.5, run by `llamacloud-mock contract`: no drift."
    )
    assert "| opaque-page-token | positive_data_acceptance | any |" in markdown
    assert "| sort-term-vocabulary | positive_data_acceptance | any |" in markdown
    assert "`POST /api/v1/beta/agent-data/:search`" in markdown


def test_the_contract_command_against_a_fake_and_its_exit_codes(tmp_path, capsys):
    code = main(
        [
            "contract",
            "--fake",
            "--spec",
            "seed",
            "--max-examples",
            "2",
            "--phases",
            "examples,fuzzing",
            "--report-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "== seed: The published LlamaExtract spec" in out
    assert "POST /files" in out and "PASS: no drift (1 spec(s))" in out
    assert (tmp_path / "junit.xml").exists() and (tmp_path / "drift-report.md").exists()
    assert main(["contract", "--fake", "--spec", "nope"]) == 2
    assert main(["contract", "--fake", "--spec", "seed", "--checks", "nope"]) == 2


def test_the_options_reach_schemathesis():
    config = build_config("https://api.example", "t0k", RunOptions(rate_limit="10/s", read_only=True, max_examples=7))
    project = config.projects.get_default()
    assert project.base_url == "https://api.example"
    assert project.headers == {"Authorization": "Bearer t0k"}
    assert project.rate_limit is not None
    assert project.generation.max_examples == 7 and config.seed == 42
    assert project.phases.coverage.unexpected_methods == set()  # read-only: no probing with other methods
    assert project.checks.object_level_authorization.enabled is False
    assert all(getattr(project.checks, name).enabled for name in ALL_CHECKS)
    assert (_interval("10/s"), _interval("300/m"), _interval(None)) == (0.1, 0.2, 0.0)


def test_event_streams_are_read_for_a_bounded_time_and_workflow_routes_are_all_live():
    from contracts.runner import fake_only_paths, stream_operations
    from contracts.targets import WORKFLOWS

    spec = WORKFLOWS.load()
    streams = stream_operations(spec)
    assert streams == ["GET /deployments/{deployment_name}/events/{handler_id}"]
    config = build_config("http://127.0.0.1:1", None, RunOptions(stream_seconds=1.5), streams)
    project = config.projects.get_default()
    timeouts = {o.request_timeout for o in project.operations.operations}
    assert timeouts == {1.5} and project.request_timeout == 30.0
    assert fake_only_paths(spec, WORKFLOWS.base_path, WORKFLOWS.api_prefix) == []  # a live run tests every route
    assert "/api/v1/files/{id}/content" not in fake_only_paths({"paths": {"/api/v1/files/{id}/content": {}}}, "")


def test_a_live_workflow_run_aims_at_the_deployment_and_workflows_named():
    from types import SimpleNamespace

    from contracts.cli import _aimed
    from contracts.targets import AGENT_DATA, WORKFLOWS

    [aid] = _aimed(WORKFLOWS, "myapp", ("quick",)).aids
    assert _aimed(AGENT_DATA, "myapp", ("quick",)) is AGENT_DATA
    mode = SimpleNamespace(is_positive=True)
    label = "POST /deployments/{deployment_name}/workflows/{name}/run"
    aimed = []
    for n in range(20):
        case = SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
                               path_parameters={"deployment_name": f"d{n}", "name": f"w{n}"},
                               operation=SimpleNamespace(label=label))  # fmt: skip
        aimed.append(aid(None, case).path_parameters)
    assert all(p["name"] == "quick" for p in aimed)  # a synchronous run: only of the workflows named
    assert 10 <= sum(p["deployment_name"] == "myapp" for p in aimed) < 20  # most, not all


@pytest.mark.parametrize(
    "body", [b'--XYZ\r\n\x97\xff\x00 a file\r\n--XYZ--', '{"name": "\udc00"}'.encode("utf-8", "surrogatepass"), b"{}"]
)
def test_a_failing_request_is_recorded_with_any_body_and_replays_byte_for_byte(body):
    # a multipart upload's bytes stopped a whole `make contract` with UnicodeDecodeError
    from types import SimpleNamespace

    request = SimpleNamespace(method="POST", uri="http://h/api/v1/files", headers={"a": ["1"]}, body=body)
    recorded = json.loads(json.dumps(_request(request)))  # as results.json keeps it
    assert recorded["headers"] == {"a": "1"}
    assert recorded["body"].encode("utf-8", "surrogateescape") == body  # as tests/workflows/drift.py replays it


def test_a_repeated_form_field_accepted_is_no_drift_but_a_scalar_one_is():
    from types import SimpleNamespace

    from contracts.targets import REPEATED_FORM_FIELD

    repeated = SimpleNamespace(media_type="multipart/form-data", body={"external_file_id": ["a", "b"], "file": b"x"})
    single = SimpleNamespace(media_type="multipart/form-data", body={"external_file_id": 5, "file": b"x"})
    check, operation = "negative_data_rejection", "POST /api/v1/beta/files"
    assert REPEATED_FORM_FIELD.matches(check, operation, {}, 200, repeated)
    assert not REPEATED_FORM_FIELD.matches(check, operation, {}, 200, single)  # another accepted violation: drift
    assert not REPEATED_FORM_FIELD.matches(check, operation, {"detail": []}, 422, repeated)  # refused: no failure
