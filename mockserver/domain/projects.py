"""Projects, as the 2.x SDKs read them (``/api/v1/projects``, ``/api/v2/projects``). No HTTP here.

The fake has one organization (``ORGANIZATION_ID``) and no project administration: every request
may name any project. A project *exists* once something is stored in it (an agent-data record,
a file, an extraction agent or job); the default project (``--default-project-id``, named
"Default", ``is_default: true``) always exists. Projects are recorded (TinyDB table
``projects``) when first seen by a projects read, which gives each a stable ``created_at``; the
others are named after their id. Listings show the default project first, then the others in
the order they were first seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tinydb.table import Document

from mockserver.domain import cursor
from mockserver.domain.errors import NotFound
from mockserver.domain.store import Store, StoreContext

ORGANIZATION_ID = "00000000-0000-4000-8000-000000000000"
DEFAULT_PROJECT_NAME = "Default"
ORDER = cursor.Order("projects", (("rank", False), ("id", False)))


def project_ids_of(*tables: Mapping[str, dict]) -> Callable[[], Iterable[str]]:
    """The project ids found in live tables whose documents carry a ``project_id``."""

    def ids() -> Iterable[str]:
        for documents in tables:
            for document in list(documents.values()):
                project = document.get("project_id")
                if isinstance(project, str):
                    yield project

    return ids


class ProjectStore(Store):
    TABLE = "projects"

    def __init__(self, context: StoreContext, sources: Callable[[], Iterable[str]]):
        self.table = context.db.table(self.TABLE)
        self.clock = context.clock
        self.default_project_id = context.default_project_id
        self.sources = sources
        self._projects = self.table.documents()

    def _record(self, project_id: str) -> None:
        now = self.clock.now_iso()
        default = project_id == self.default_project_id
        project = {
            "id": project_id,
            "name": DEFAULT_PROJECT_NAME if default else project_id,
            "organization_id": ORGANIZATION_ID,
            "is_default": default,
            "created_at": now,
            "updated_at": now,
            "rank": 0 if default else len(self._projects) + 1,  # listing order; not shown
        }
        self.table.insert(Document(project, doc_id=project_id))

    def _all(self, organization_id: str | None = None) -> list[dict[str, Any]]:
        if self.default_project_id not in self._projects:
            self._record(self.default_project_id)
        for project_id in dict.fromkeys(self.sources()):  # in the order the sources hold them
            if project_id not in self._projects:
                self._record(project_id)
        if organization_id not in (None, ORGANIZATION_ID):
            return []
        return sorted(self._projects.values(), key=lambda p: (p["rank"], p["id"]))

    @staticmethod
    def view(project: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in project.items() if k != "rank"}

    def list(self, name: str | None = None, organization_id: str | None = None) -> list[dict[str, Any]]:
        return [self.view(p) for p in self._all(organization_id) if name is None or p["name"] == name]

    def get(self, project_id: str, organization_id: str | None = None) -> dict[str, Any]:
        project = next((p for p in self._all(organization_id) if p["id"] == project_id), None)
        if project is None:
            raise NotFound("Project", project_id)
        return self.view(project)

    def page(
        self,
        name: str | None = None,
        organization_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        projects = [p for p in self._all(organization_id) if name is None or p["name"] == name]
        page, next_token = cursor.paginate(
            projects, ORDER, lambda p: (p["rank"], p["id"]), page_size, page_token, ("query", "page_token")
        )
        return {"items": [self.view(p) for p in page], "next_page_token": next_token}
