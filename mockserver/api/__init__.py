"""Wire adapters, one module per API. ``API_SPECS`` says which spec each adapter serves, and
``PROFILES`` which specs a server serves (``--profile``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import generated.admin.operations
import generated.agent_data.operations
import generated.beta_files.operations
import generated.extract_v2.operations
import generated.extraction_v1.operations
import generated.projects.operations
import generated.seed.operations
import generated.workflows.operations
from mockserver.api.admin import AdminApi
from mockserver.api.agent_data import AgentDataApi
from mockserver.api.beta_files import BetaFilesApi
from mockserver.api.extract_v2 import ExtractV2Api
from mockserver.api.extraction_v1 import ExtractionV1Api
from mockserver.api.projects import ProjectsApi
from mockserver.api.seed import ERROR_STATUSES as SEED_ERROR_STATUSES
from mockserver.api.seed import SeedApi
from mockserver.api.workflows import WorkflowServer
from mockserver.state import FakeState


@dataclass(frozen=True)
class ApiSpec:
    """An API the fake serves: its spec, and either the adapter connexion routes its operations to,
    or (``layer``) the ASGI middleware that serves them itself, given the next app and the state."""

    spec: str  # file in openapi/
    operations: ModuleType  # generated operations table and stubs
    adapter: Callable[[FakeState], object] | None = None
    layer: Callable[..., object] | None = None


API_SPECS = [
    ApiSpec("agent_data.yaml", generated.agent_data.operations, lambda state: AgentDataApi(state.agent_data)),
    ApiSpec(
        "extraction_v1.yaml",
        generated.extraction_v1.operations,
        lambda state: ExtractionV1Api(state.extraction, state.files),
    ),
    ApiSpec("extract_v2.yaml", generated.extract_v2.operations, lambda state: ExtractV2Api(state.extract_v2)),
    ApiSpec(
        "beta_files.yaml",
        generated.beta_files.operations,
        lambda state: BetaFilesApi(state.files, state.beta_files),
    ),
    ApiSpec("projects.yaml", generated.projects.operations, lambda state: ProjectsApi(state.projects)),
    ApiSpec("admin.yaml", generated.admin.operations, AdminApi),
    # the LlamaDeploy workflow server: streams and its own error words, so its own layer (mockserver/api/workflows.py)
    ApiSpec(
        "workflows.yaml",
        generated.workflows.operations,
        layer=lambda app, state: WorkflowServer(app, state.workflows, state.config.sse_heartbeat),
    ),
]


@dataclass(frozen=True)
class Profile:
    """What a server serves: its specs, and the statuses its errors take under /api/ when its specs
    declare others (``{422: 400}``: a request that does not validate answers 400)."""

    apis: list[ApiSpec]
    error_statuses: dict[int, int] = field(default_factory=dict)


SEED_SPEC = ApiSpec(
    "derived/seed-3.0.yaml",
    generated.seed.operations,
    lambda state: SeedApi(state.context, state.extraction, state.files),
)

PROFILES = {
    # the real wire format (and the fake's own controls, outside /api/)
    "default": Profile(API_SPECS),
    # the published seed spec under /api/v1, as written, instead of the real wire format
    "seed": Profile([SEED_SPEC, *(api for api in API_SPECS if api.spec == "admin.yaml")], SEED_ERROR_STATUSES),
}
