"""Shared fixtures: the fake in-process (connexion's test client over the ASGI app).

Fixtures only: what tests import (constants, helpers) is in tests/support.py."""

from __future__ import annotations

import pytest

from mockserver.app import create_app
from mockserver.config import Config
from tests.support import AUTH


@pytest.fixture
def make_client(tmp_path):
    """Factory: a test client of a fresh fake; response validation is on, as in all tests."""
    clients = []

    def make(**overrides):
        config = Config(**{"validate_responses": True, **overrides})
        client = create_app(config).test_client(headers=AUTH)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()
