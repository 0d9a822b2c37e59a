"""Lenient mode (``--lenient``): an unknown id read by GET materializes as a valid object.

Suites written for stateless mocks (Prism, stripe-mock: the official SDKs' own generated tests)
read placeholder ids such as ``item_id`` or ``182bd5e5-6e1a-4fe4-a799-aa6d9d6fa780`` that no
stateful store holds. In lenient mode such a read creates the object under that id, in the
request's project (else the default one), then answers as usual, so the object is then really
there: a second read gives the same object, and an update or delete of it works.

* agent data: ``{}`` in deployment ``_public``, collection ``default``;
* an extraction agent: named after its id (or the name read by name), with an empty object
  schema and the default config;
* a file: ``placeholder.txt``, a line of text;
* a job (by job id, or by run id): a job of the project's default agent on a new placeholder
  file, already succeeded.

An id that exists in another project stays invisible (404): lenient mode invents what is missing,
it never crosses projects. Strict mode (the default) answers 404 for every unknown id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.domain.jobs import Schedule

if TYPE_CHECKING:
    from mockserver.state import FakeState

PLACEHOLDER_DEPLOYMENT = "_public"
PLACEHOLDER_SCHEMA = {"type": "object", "properties": {}}
PLACEHOLDER_CONFIG = {"extraction_target": "PER_DOC", "extraction_mode": "BALANCED"}
PLACEHOLDER_FILE_NAME = "placeholder.txt"
PLACEHOLDER_CONTENT = b"A placeholder file materialized by llamacloud-mock in lenient mode.\n"
DONE_AT_ONCE = Schedule(queued_seconds=0, running_seconds=0)

KINDS = ("agent_data", "agent", "agent_name", "file", "job", "run")


class Materializer:
    def __init__(self, state: FakeState):
        self.state = state

    def ensure(self, kind: str, key: str | None, project_id: str | None) -> None:
        """Create the object ``key`` names when nothing of that id (or name) exists."""
        if key:
            getattr(self, kind)(key, project_id)

    def agent_data(self, item_id: str, project_id: str | None) -> None:
        store = self.state.agent_data
        if item_id not in store.table.documents():
            store.create({}, PLACEHOLDER_DEPLOYMENT, None, project_id, record_id=item_id)

    def agent(self, agent_id: str, project_id: str | None) -> None:
        store = self.state.extraction
        if agent_id not in store.agents_table.documents():
            store.create_agent(agent_id, dict(PLACEHOLDER_SCHEMA), dict(PLACEHOLDER_CONFIG), project_id, agent_id)

    def agent_name(self, name: str, project_id: str | None) -> None:
        store = self.state.extraction
        project = project_id or self.state.config.default_project_id
        if not any(a["project_id"] == project and a["name"] == name for a in store.agents_table.documents().values()):
            store.create_agent(name, dict(PLACEHOLDER_SCHEMA), dict(PLACEHOLDER_CONFIG), project)

    def file(self, file_id: str, project_id: str | None) -> None:
        if self.state.files.find(file_id) is None:
            self._new_file(project_id, file_id)

    def job(self, job_id: str, project_id: str | None, run_id: str | None = None) -> None:
        store = self.state.extraction
        if job_id in store.jobs_table.documents():
            return
        agent = store.default_agent(project_id)
        file = self._new_file(agent["project_id"])
        store.run_job(agent["id"], file["id"], schedule=DONE_AT_ONCE, job_id=job_id, run_id=run_id)

    def run(self, run_id: str, project_id: str | None) -> None:
        if run_id not in self.state.extraction.runs_table.documents():
            self.job(self.state.ids.uuid(), project_id, run_id=run_id)

    def _new_file(self, project_id: str | None, file_id: str | None = None) -> dict:
        return self.state.files.create(
            PLACEHOLDER_FILE_NAME, PLACEHOLDER_CONTENT, project_id, content_type="text/plain", file_id=file_id
        )
