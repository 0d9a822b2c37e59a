"""The fake the SDK suites talk to, started as a subprocess of the project's venv (``$LLAMACLOUD_MOCK_PYTHON``,
set by ``make test-sdk``; default ``.venv/bin/python``) by ``mockserver.testing.run_server`` (the pytest
plugin's runner; the project is installed in each SDK venv)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mockserver.testing import run_server
from tests.support import API_KEY, MOCK_PYTHON


@contextlib.contextmanager
def fake_server(log: Path, *flags: str) -> Iterator[str]:
    """The URL of a fake of the project's venv started with ``flags``, until the block ends; it checks
    its own responses against the spec (a mismatch answers 500, which fails the test)."""
    flags = ("--api-key", API_KEY, "--validate-responses", *flags)
    with run_server(list(flags), mode="process", python=MOCK_PYTHON, log_path=log) as mock:
        yield mock.url
