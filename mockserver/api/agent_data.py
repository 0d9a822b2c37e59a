"""Wire adapter of the Agent Data API (openapi/agent_data.yaml): request models in, JSON out.

Each method is named after its operationId; ``body`` has already been validated by the
generated model and ``project_id`` resolved from the query or the Project-Id header. Each takes
exactly its operation's parameters; ``organization_id`` is accepted and unused (one organization).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockserver.domain.agent_data import AgentDataStore, Scope
from mockserver.domain.query import Query

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.agent_data import models
    from mockserver.state import FakeState


def _query(body: models.SearchAgentDataRequest | models.AggregateAgentDataRequest) -> Query:
    return Query(
        filter=_filter(body.filter),
        order_by=body.order_by,
        offset=body.offset,
        page_size=body.page_size,
        page_token=body.page_token,
        include_total=body.include_total,
    )


def _filter(filter_: models.Filter | None) -> dict | None:
    # the operators sent, nulls included: ``eq: null`` is a test (query.compile_filter)
    return filter_.model_dump(exclude_unset=True) if filter_ is not None else None


class AgentDataApi:
    def __init__(self, store: AgentDataStore):
        self.store = store

    async def create_agent_data(
        self, body: models.AgentDataCreate, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.create(body.data, body.deployment_name, body.collection, project_id)

    async def get_agent_data(
        self, item_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.get(item_id, project_id)

    async def update_agent_data(
        self,
        item_id: str,
        body: models.AgentDataUpdate,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        return self.store.update(item_id, body.data, project_id)

    async def delete_agent_data(
        self, item_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        self.store.delete(item_id, project_id)
        return {}

    def _scope(self, body: Any, project_id: str | None) -> Scope:
        return self.store.scope(body.deployment_name, body.collection, project_id)

    async def search_agent_data(
        self, body: models.SearchAgentDataRequest, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.search(self._scope(body, project_id), _query(body))

    async def aggregate_agent_data(
        self, body: models.AggregateAgentDataRequest, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        group_by = [g.root for g in body.group_by or []]
        return self.store.aggregate(self._scope(body, project_id), _query(body), group_by, body.count, body.first)

    async def delete_agent_data_by_query(
        self,
        body: models.DeleteAgentDataByQueryRequest,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        deleted = self.store.delete_by_query(self._scope(body, project_id), _filter(body.filter))
        return {"deleted_count": deleted}


def adapter(state: FakeState) -> AgentDataApi:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return AgentDataApi(state.agent_data)
