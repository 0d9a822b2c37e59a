"""The fake's whole state: one TinyDB, one clock, one id factory, and the domain stores over them."""

from __future__ import annotations

from mockserver.config import Config
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import Clock, VirtualClock
from mockserver.domain.extraction import ExtractionStore
from mockserver.domain.files import FileStore
from mockserver.domain.ids import IdFactory
from mockserver.domain.jobs import JobEngine, Schedule
from mockserver.storage import Database


class FakeState:
    def __init__(self, config: Config):
        self.config = config
        self.db = Database(config.db_path)
        self.clock = VirtualClock() if config.virtual_clock else Clock()
        self.ids = IdFactory(config.id_seed)
        self.agent_data = AgentDataStore(self.db, self.clock, self.ids, config.default_project_id)
        self.jobs = JobEngine(self.db, self.clock, Schedule.from_duration(config.job_duration))
        self.files = FileStore(
            self.db, self.clock, self.ids, config.default_project_id, config.files_path, config.max_file_size
        )
        self.extraction = ExtractionStore(
            self.db, self.clock, self.ids, config.default_project_id, self.files, self.jobs
        )

    def close(self) -> None:
        """Write the persisted file in full (a clean shutdown leaves no log to replay)."""
        self.db.close()
