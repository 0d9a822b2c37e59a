"""Fixtures of the SDK suites: the official SDKs talk HTTP to a real fake server.

The server runs as a subprocess of the project's own venv, one per session on a free port, started
by ``fake_server`` (servers.py), with which a test starts another one with other options. Tests
share it, so each test works in its own deployment (and, where projects matter, in fresh projects).
The data both suites use is in sdk_data.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.sdk.servers import fake_server
from tests.support import API_KEY


@pytest.fixture(scope="session")
def base_url(tmp_path_factory) -> Iterator[str]:
    """The URL of a fake started for this session (and stopped after it)."""
    with fake_server(tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture
def deployment_name(request) -> str:
    """A deployment of this test alone: the shared server holds every test's data."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{slug}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def project_ids() -> tuple[str, str]:
    """Two fresh projects, A and B."""
    return str(uuid.uuid4()), str(uuid.uuid4())
