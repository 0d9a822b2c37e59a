"""Wire adapters, one module per API. ``API_SPECS`` says which spec each adapter serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import generated.admin.operations
import generated.agent_data.operations
import generated.extraction_v1.operations
from mockserver.api.admin import AdminApi
from mockserver.api.agent_data import AgentDataApi
from mockserver.api.extraction_v1 import ExtractionV1Api
from mockserver.state import FakeState


@dataclass(frozen=True)
class ApiSpec:
    spec: str  # file in openapi/
    operations: ModuleType  # generated operations table and stubs
    adapter: Callable[[FakeState], object]


API_SPECS = [
    ApiSpec("agent_data.yaml", generated.agent_data.operations, lambda state: AgentDataApi(state.agent_data)),
    ApiSpec(
        "extraction_v1.yaml",
        generated.extraction_v1.operations,
        lambda state: ExtractionV1Api(state.extraction, state.files),
    ),
    ApiSpec("admin.yaml", generated.admin.operations, lambda state: AdminApi(state.clock)),
]
