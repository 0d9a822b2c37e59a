"""The fake's whole state: one TinyDB, one clock, one id factory, and the domain stores over them."""

from __future__ import annotations

from mockserver.config import Config
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import Clock
from mockserver.domain.ids import IdFactory
from mockserver.storage import Database


class FakeState:
    def __init__(self, config: Config):
        self.config = config
        self.db = Database(config.db_path)
        self.clock = Clock()
        self.ids = IdFactory(config.id_seed)
        self.agent_data = AgentDataStore(self.db, self.clock, self.ids, config.default_project_id)

    def close(self) -> None:
        """Write the persisted file in full (a clean shutdown leaves no log to replay)."""
        self.db.close()
