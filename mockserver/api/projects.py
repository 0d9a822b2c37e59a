"""Wire adapter of the project reads (openapi/projects.yaml): ``/api/v1/projects``, ``/api/v2/projects``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.domain.projects import ProjectStore

if TYPE_CHECKING:
    from mockserver.state import FakeState


class ProjectsApi:
    def __init__(self, projects: ProjectStore):
        self.projects = projects

    async def list_projects(self, project_name: str | None = None, organization_id: str | None = None) -> list:
        return self.projects.list(project_name, organization_id)

    async def get_project(self, project_id: str, organization_id: str | None = None) -> dict:
        return self.projects.get(project_id, organization_id)

    async def list_projects_v2(
        self,
        name: str | None = None,
        organization_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict:
        return self.projects.page(name, organization_id, page_size, page_token)

    async def get_project_v2(self, project_id: str, organization_id: str | None = None) -> dict:
        return self.projects.get(project_id, organization_id)


def adapter(state: FakeState) -> ProjectsApi:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return ProjectsApi(state.projects)
