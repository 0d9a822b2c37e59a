"""Each domain store resets, snapshots and restores itself (mockserver/domain/store.py): the state
finds every store it built, and tells each one around the single step that replaces the database."""

from __future__ import annotations

import copy

from mockserver.config import Config
from mockserver.domain.ids import IdFactory
from mockserver.domain.store import Store
from mockserver.state import FakeState

SEED = 5


class Recorder(Store):
    """A store that notes, at each hook, how many agent-data records the database holds, what the
    clock says, and whether the ids stand at their seed."""

    def __init__(self, state: FakeState):
        self.state = state
        self.calls: list[tuple[str, int, float, bool]] = []

    def _note(self, hook: str) -> None:
        at_seed = self.state.ids.get_state() == IdFactory(SEED).get_state()
        self.calls.append((hook, len(self.state.agent_data.table.documents()), self.state.clock.time(), at_seed))

    def snapshot(self) -> dict:
        self._note("snapshot")
        return {}

    def restoring(self, snapshot: dict) -> None:
        self._note("restoring")

    def restored(self, snapshot: dict) -> None:
        self._note("restored")

    def reset(self) -> None:
        self._note("reset")


def test_every_domain_object_the_state_builds_is_a_store_but_its_context():
    state = FakeState(Config())
    domain = [name for name, value in vars(state).items() if type(value).__module__.startswith("mockserver.domain.")]
    assert [name for name in domain if not isinstance(getattr(state, name), Store)] == ["clock", "ids", "context"]
    assert [type(store).__name__ for store in state.stores] == [
        "AgentDataStore",
        "JobEngine",
        "FileStore",
        "ExtractionStore",
        "WebhookDispatcher",
        "ExtractV2Store",
        "BetaFiles",
        "ProjectStore",
        "WorkflowRuns",
    ]


def test_a_store_is_told_before_and_after_the_database_is_replaced_and_before_the_clock_moves_back():
    state = FakeState(Config(virtual_clock=True, id_seed=SEED))
    start = state.clock.time()
    state.recorder = recorder = Recorder(state)  # built like any store: the state finds it
    state.agent_data.create({"n": 1}, "app", None, None)
    document = copy.deepcopy(state.snapshot())  # its tables are live: copied, as the admin API sends them
    state.agent_data.create({"n": 2}, "app", None, None)
    state.clock.advance(60)

    assert state.restore(document)["agent_data"] == 1
    assert state.clock.time() == start  # the snapshot's clock, set after the stores were told
    state.clock.advance(30)
    state.reset()
    assert state.clock.time() == start

    assert recorder.calls == [
        ("snapshot", 1, start, False),
        ("restoring", 2, start + 60, False),  # the old tables still there
        ("restored", 1, start + 60, False),  # the snapshot's tables, the clock not yet back
        ("reset", 0, start + 30, True),  # emptied, the ids at their seed, the clock not yet back
    ]
