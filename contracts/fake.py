"""The fake as a contract target: a fresh server of a given profile on a free port.

``make contract`` tests each spec against its own fake, started as users start it
(``python -m mockserver serve``), so the run goes through uvicorn and real HTTP, with a random
API key (so that Schemathesis' authentication checks mean something), jobs that finish when
created (``--job-duration 0``: results are there to be fetched) and reproducible ids.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mockserver.testing import spawn_server


@contextlib.contextmanager
def serve(
    profile: str = "default", extra_args: tuple[str, ...] = (), timeout: float = 30.0
) -> Iterator[tuple[str, str]]:
    """``(base_url, api_key)`` of a fake serving ``profile``, stopped on exit."""
    api_key = "contract-" + secrets.token_hex(8)
    args = [
        "--profile",
        profile,
        "--api-key",
        api_key,
        "--job-duration",
        "0",
        "--id-seed",
        "42",
        "--log-level",
        "warning",
        "--validate-responses",  # the fake checks its own answers too: a mismatch is a 500 the run reports
        *extra_args,
    ]
    with tempfile.TemporaryDirectory(prefix="llamacloud-mock-contract-") as folder:
        with spawn_server(args, timeout=timeout, log_path=Path(folder) / "fake.log") as (url, _, _):
            yield url, api_key
