"""The pytest plugin (mockserver/pytest_plugin.py), in pytest sessions of their own (pytester):
registered by its entry point, as it is for any project that installs the package."""

from __future__ import annotations

import json
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

SEED_YAML = """\
agent_data:
  - deployment_name: app
    id: seeded-yaml
    data: {source: yaml}
"""
SEED_JSON = {"agent_data": [{"deployment_name": "app", "id": "seeded-json", "data": {"source": "json"}}]}

SESSION_TESTS = """
import os

import httpx
import pytest

AGENT_DATA = "/api/v1/beta/agent-data"


def total(http) -> int:
    page = http.post(AGENT_DATA + "/:search", json={"deployment_name": "app", "include_total": True})
    return page.json()["total_size"]


def test_env_points_at_the_fake(llamacloud_mock):
    assert os.environ["LLAMA_CLOUD_BASE_URL"] == llamacloud_mock.url
    assert os.environ["LLAMA_CLOUD_API_KEY"] == llamacloud_mock.api_key == "llamacloud-mock-key"
    headers = {"Authorization": "Bearer " + os.environ["LLAMA_CLOUD_API_KEY"]}
    created = httpx.post(
        os.environ["LLAMA_CLOUD_BASE_URL"] + AGENT_DATA, json={"data": {}, "deployment_name": "app"}, headers=headers
    )
    assert created.status_code == 200
    wrong = httpx.get(llamacloud_mock.url + AGENT_DATA + "/x", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401  # the plugin's fake takes its own key only
    assert llamacloud_mock.state is not None and llamacloud_mock.process is None  # a thread of this process


@pytest.mark.parametrize("n", [1, 2, 3])
def test_each_test_starts_from_an_empty_fake(llamacloud_mock, n):
    with llamacloud_mock.http_client() as http:
        assert total(http) == 0
        http.post(AGENT_DATA, json={"data": {"n": n}, "deployment_name": "app"})
        assert total(http) == 1
    assert len(llamacloud_mock.requests()) == 3  # the journal too was reset
    llamacloud_mock.admin.add_fault(path="/nowhere", status=500)  # and the fault rules: see the next test


def test_fault_rules_do_not_leak(llamacloud_mock):
    assert llamacloud_mock.admin.faults() == []


def test_the_clock_is_virtual_and_running(llamacloud_mock):
    clock = llamacloud_mock.admin.clock()
    assert (clock["virtual"], clock["frozen"]) == (True, False)


@pytest.mark.llamacloud_seed("seed.yaml")
class TestSeeds:
    @pytest.mark.llamacloud_seed("more.json")
    def test_markers_seed_after_the_reset(self, llamacloud_mock):
        with llamacloud_mock.http_client() as http:
            assert http.get(AGENT_DATA + "/seeded-yaml").json()["data"] == {"source": "yaml"}
            assert http.get(AGENT_DATA + "/seeded-json").json()["data"] == {"source": "json"}
            assert total(http) == 2

    def test_class_marker_alone(self, llamacloud_mock):
        with llamacloud_mock.http_client() as http:
            assert total(http) == 1


@pytest.mark.llamacloud_seed("seed.yaml")
def test_the_marker_alone_brings_the_fake():
    headers = {"Authorization": "Bearer " + os.environ["LLAMA_CLOUD_API_KEY"]}
    found = httpx.get(os.environ["LLAMA_CLOUD_BASE_URL"] + AGENT_DATA + "/seeded-yaml", headers=headers)
    assert found.status_code == 200


def test_in_process_with_no_socket(llamacloud_mock_inprocess):
    mock = llamacloud_mock_inprocess
    assert mock.url == "http://llamacloud-mock.test"
    with mock.http_client() as http:
        assert total(http) == 0
        assert http.post(AGENT_DATA, json={"data": {}, "deployment_name": "app"}).status_code == 200
    assert [r["operation"] for r in mock.requests()] == ["search_agent_data", "create_agent_data"]


@pytest.mark.parametrize("n", [1, 2])
def test_in_process_is_reset_too(llamacloud_mock_inprocess, n):
    with llamacloud_mock_inprocess.http_client() as http:
        assert total(http) == 0
        http.post(AGENT_DATA, json={"data": {}, "deployment_name": "app"})
"""


def write_session(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", seed=SEED_YAML)
    pytester.makefile(".json", more=json.dumps(SEED_JSON))
    pytester.makepyfile(test_session=SESSION_TESTS)


def test_the_plugin_is_registered_by_its_entry_point():
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins["llamacloud_mock"] == "mockserver.pytest_plugin"


def test_the_fixtures_in_a_session(pytester):
    write_session(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)


def test_under_xdist_each_worker_has_its_own_fake(pytester):
    write_session(pytester)
    pytester.makepyfile(
        test_workers="""
        import json, os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_record_worker(llamacloud_mock, n):
            with llamacloud_mock.http_client() as http:
                http.post("/api/v1/beta/agent-data", json={"data": {"n": n}, "deployment_name": "w"})
                query = {"deployment_name": "w", "include_total": True}
                page = http.post("/api/v1/beta/agent-data/:search", json=query)
                assert page.json()["total_size"] == 1  # no other test's record, on this worker or another
            with open(os.environ["WORKERS_LOG"], "a") as log:
                log.write(json.dumps([os.environ["PYTEST_XDIST_WORKER"], llamacloud_mock.url]) + "\\n")
        """
    )
    log = pytester.path / "workers.log"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKERS_LOG", str(log))
        result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=18)
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    urls = {worker: {url for w, url in seen if w == worker} for worker, _ in seen}
    assert sorted(urls) == ["gw0", "gw1"]
    assert all(len(u) == 1 for u in urls.values())  # one fake per worker, for the whole session
    assert urls["gw0"] != urls["gw1"]


def test_ini_options_choose_the_server(pytester):
    pytester.makeini(
        """
        [pytest]
        llamacloud_mock_args = --virtual-clock --id-seed 3 --admin-key k3y --api-key mine
        llamacloud_mock_mode = process
        llamacloud_mock_reset = false
        """
    )
    pytester.makepyfile(
        test_options="""
        import httpx

        def test_first(llamacloud_mock):
            assert llamacloud_mock.process is not None and llamacloud_mock.api_key == "mine"
            assert llamacloud_mock.admin.clock()["frozen"] is True
            assert httpx.get(llamacloud_mock.url + "/_mock/clock").status_code == 401  # the admin key is needed
            with llamacloud_mock.http_client() as http:
                record = http.post("/api/v1/beta/agent-data", json={"data": {}, "deployment_name": "a"}).json()
            assert record["id"] == "21636369-8b52-4b4a-97b7-50923ceb3ffd"  # --id-seed 3

        def test_second_keeps_the_state(llamacloud_mock):
            with llamacloud_mock.http_client() as http:
                assert http.get("/api/v1/beta/agent-data/21636369-8b52-4b4a-97b7-50923ceb3ffd").status_code == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
