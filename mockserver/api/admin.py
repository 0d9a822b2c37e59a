"""Wire adapter of the fake's own admin API (openapi/admin.yaml): the server's clock, for now."""

from __future__ import annotations

from typing import Any

from generated.admin import models
from mockserver.domain.clock import Clock
from mockserver.domain.errors import Conflict


class AdminApi:
    def __init__(self, clock: Clock):
        self.clock = clock

    def _clock_state(self) -> dict[str, Any]:
        return {
            "now": self.clock.now_iso(),
            "virtual": self.clock.virtual,
            "frozen": getattr(self.clock, "frozen", False),
        }

    async def get_clock(self, **_: Any) -> dict:
        return self._clock_state()

    async def advance_clock(self, body: models.ClockAdvance, **_: Any) -> dict:
        if not self.clock.virtual:
            raise Conflict(
                "The server's clock is wall time and cannot be moved: start the server with --virtual-clock."
            )
        self.clock.advance(body.seconds)
        return self._clock_state()
