"""Wire adapters, one module per API. ``API_SPECS`` says which spec each adapter serves."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

import generated.agent_data.operations
from mockserver.api.agent_data import AgentDataApi
from mockserver.state import FakeState


@dataclass(frozen=True)
class ApiSpec:
    spec: str  # file in openapi/
    operations: ModuleType  # generated operations table and stubs
    adapter: Callable[[FakeState], object]


API_SPECS = [
    ApiSpec("agent_data.yaml", generated.agent_data.operations, lambda state: AgentDataApi(state.agent_data)),
]
