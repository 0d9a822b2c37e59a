"""Fixtures of the workflow-server client suites: one server per target for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import TARGETS, serve


@pytest.fixture(scope="session", params=TARGETS)
def target(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def base_url(target, tmp_path_factory) -> Iterator[str]:
    """The deployment's base URL on the target (http://127.0.0.1:PORT/deployments/wfdemo)."""
    with serve(target, tmp_path_factory.mktemp(target) / "server.log") as url:
        yield url
