"""Ids are RFC 4122 version 4 UUIDs, and a seed gives the same sequence as uuid.UUID(int=..., version=4)."""

from __future__ import annotations

import random
import uuid

from mockserver.domain.ids import IdFactory


def test_seeded_ids_are_the_uuid_modules_version_4_of_the_same_bits():
    ids, bits = IdFactory(seed=11), random.Random(11)
    for _ in range(2000):
        assert ids.uuid() == str(uuid.UUID(int=bits.getrandbits(128), version=4))


def test_random_ids_are_distinct_version_4_uuids():
    made = [IdFactory().uuid() for _ in range(2000)]
    assert len(set(made)) == 2000
    for text in made:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_a_seed_replays_and_the_state_resumes_the_sequence():
    first = IdFactory(seed=3)
    head = [first.uuid() for _ in range(5)]
    state = first.get_state()
    tail = [first.uuid() for _ in range(5)]
    replay = IdFactory(seed=3)
    assert [replay.uuid() for _ in range(5)] == head
    resumed = IdFactory()
    resumed.set_state(state)
    assert [resumed.uuid() for _ in range(5)] == tail
