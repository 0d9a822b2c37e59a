"""Object ids: random UUIDs, or a reproducible sequence when the server is given a seed."""

from __future__ import annotations

import random
import uuid
from typing import Any


class IdFactory:
    def __init__(self, seed: int | None = None):
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        """Start the sequence of ``seed`` again (None: random ids from now on)."""
        self.seed = seed
        self._random = random.Random(seed) if seed is not None else None

    def uuid(self) -> str:
        if self._random is None:
            return str(uuid.uuid4())
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def get_state(self) -> dict[str, Any]:
        """Where the sequence stands, as JSON (for snapshots): the next ids come from here."""
        if self._random is None:
            return {"seed": None, "state": None}
        version, internal, gauss = self._random.getstate()
        return {"seed": self.seed, "state": [version, list(internal), gauss]}

    def set_state(self, value: dict[str, Any]) -> None:
        self.reseed(value.get("seed"))
        if self._random is not None and value.get("state") is not None:
            version, internal, gauss = value["state"]
            self._random.setstate((version, tuple(internal), gauss))
