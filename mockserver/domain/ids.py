"""Object ids: random UUIDs, or a reproducible sequence when the server is given a seed."""

from __future__ import annotations

import os
import random
from typing import Any

# RFC 4122 version 4: the version nibble 4 and the variant bits 10, as uuid.UUID(int=..., version=4) sets them
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (4 << 76) | (0x8000 << 48)


def _uuid4(bits: int) -> str:
    """str(uuid.UUID(int=bits, version=4)), without the UUID object (half the time of a create's id)."""
    text = f"{bits & _CLEAR | _SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class IdFactory:
    def __init__(self, seed: int | None = None):
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        """Start the sequence of ``seed`` again (None: random ids from now on)."""
        self.seed = seed
        self._random = random.Random(seed) if seed is not None else None

    def uuid(self) -> str:
        if self._random is None:
            return _uuid4(int.from_bytes(os.urandom(16)))  # as uuid.uuid4()
        return _uuid4(self._random.getrandbits(128))

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
