"""The fake's whole state: one TinyDB, one clock, one id factory (the stores' context), and the domain
stores built over them, each resetting, snapshotting and restoring itself (mockserver/domain/store.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from mockserver.admin import snapshot
from mockserver.admin.faults import FaultRules
from mockserver.admin.journal import Journal
from mockserver.admin.operations import OperationIndex
from mockserver.config import Config
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.beta_files import BetaFiles
from mockserver.domain.clock import Clock, VirtualClock
from mockserver.domain.extract_v2 import ExtractV2Store
from mockserver.domain.extraction import ExtractionStore
from mockserver.domain.files import FileStore
from mockserver.domain.ids import IdFactory
from mockserver.domain.jobs import JobEngine, Schedule
from mockserver.domain.projects import ProjectStore, project_ids_of
from mockserver.domain.scenarios import load_scenario
from mockserver.domain.store import Store, StoreContext
from mockserver.domain.webhooks import WebhookDispatcher
from mockserver.domain.workflow_runs import WorkflowRuns
from mockserver.storage import Database


class FakeState:
    def __init__(self, config: Config):
        self.config = config
        self.db = Database(config.db_path)
        self.clock = VirtualClock(frozen=not config.clock_running) if config.virtual_clock else Clock()
        self.clock_origin = self.clock.time()  # where a reset puts a virtual clock back
        self.ids = IdFactory(config.id_seed)
        self.context = context = StoreContext(self.db, self.clock, self.ids, config.default_project_id)
        self.agent_data = AgentDataStore(context)
        self.jobs = JobEngine(context, Schedule.from_duration(config.job_duration))
        self.files = FileStore(context, config.files_path, config.max_file_size)
        # The seed spec types a data_schema as any object and declares no conflict on names.
        seed = config.profile == "seed"
        self.extraction = ExtractionStore(
            context, self.files, self.jobs, unique_agent_names=not seed, typed_schemas=not seed
        )
        # llama-cloud 2.x: Extract v2 with webhooks, beta files (the same files), project reads
        self.webhooks = WebhookDispatcher(context, self.jobs)
        self.extract_v2 = ExtractV2Store(context, self.files, self.jobs, self.webhooks)
        self.beta_files = BetaFiles(context, self.files)
        self.projects = ProjectStore(
            context,
            project_ids_of(
                self.agent_data.table.documents(),
                self.files.table.documents(),
                self.extraction.agents_table.documents(),
                self.extraction.jobs_table.documents(),
                self.extract_v2.table.documents(),
            ),
        )
        # the workflow server's deployments (scenario files) and their runs
        self.workflows = WorkflowRuns(
            context,
            [load_scenario(path) for path in config.workflows],
            persisted=bool(config.db_path),
            max_ended=config.max_ended_handlers,
        )

        # test-harness settings (mockserver/admin/): not state, but reset with it
        self.journal = Journal(config.journal_size)
        self.faults = FaultRules()
        # which operation a request is (mockserver/admin/operations.py): create_app gives its profile's
        self.operations: Callable[[], OperationIndex] = functools.partial(OperationIndex, [])
        if config.seed_file is not None and not any(self.db.export().values()):
            snapshot.seed_from_file(self)

    @property
    def stores(self) -> list[Store]:
        """Every domain store built above, in that order: each resets, snapshots and restores itself."""
        return [value for value in vars(self).values() if isinstance(value, Store)]

    def reset(self, **options) -> float:
        """Empty everything, as at a fresh start (mockserver/admin/snapshot.py); milliseconds taken."""
        return snapshot.reset(self, **options)

    def snapshot(self) -> dict:
        return snapshot.snapshot(self)

    def restore(self, document: dict) -> dict[str, int]:
        return snapshot.restore(self, document)

    def close(self) -> None:
        """Write the persisted file in full (a clean shutdown leaves no log to replay)."""
        self.db.close()
