"""The pytest plugin of llamacloud-mock, registered through the ``pytest11`` entry point: installing
the package is all it takes.

Fixtures (both session-scoped, each started on first use; with pytest-xdist, one per worker):

* ``llamacloud_mock``: the fake on a free port of 127.0.0.1 (in a thread of the test process, or
  a process of its own with ``llamacloud_mock_mode = process``). While it runs,
  ``LLAMA_CLOUD_BASE_URL`` and ``LLAMA_CLOUD_API_KEY`` point at it, so SDK clients built with no
  arguments use it;
* ``llamacloud_mock_inprocess``: the fake with no socket; hand ``mock.async_http_client()`` or
  ``mock.http_client()`` to the SDK (``http_client=`` in llama-cloud 2.x, ``httpx_client=`` in 0.1.x)
  with ``base_url=mock.url``.

Each is a ``mockserver.testing.LlamaCloudMock``: ``url``, ``api_key``, ``admin`` (reset,
snapshot, seed, clock, jobs, faults, journal), ``http_client()``, ``async_http_client()``.

Before every test that uses one, the fake is reset (state, ids, clock, fault rules, journal), then
seeded from the files of the test's ``@pytest.mark.llamacloud_seed("fixtures/x.yaml", ...)``
markers (paths relative to the test's file; module and class markers first). A test with the
marker and neither fixture gets ``llamacloud_mock``.

ini options: ``llamacloud_mock_args`` (options of ``llamacloud-mock serve``; default
``--virtual-clock running``), ``llamacloud_mock_mode`` (``thread`` or ``process``),
``llamacloud_mock_reset`` (``false`` keeps the state between tests).

This module imports nothing heavy: pytest loads it in every session of an environment where the
package is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_FIXTURES = ("llamacloud_mock", "llamacloud_mock_inprocess")
SEED_MARKER = "llamacloud_seed"
DEFAULT_ARGS = ["--virtual-clock", "running"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "llamacloud_mock_args",
        "options of `llamacloud-mock serve` for the llamacloud_mock fixtures (default: --virtual-clock running)",
        type="args",
        default=list(DEFAULT_ARGS),
    )
    parser.addini("llamacloud_mock_mode", "thread (default) or process: where llamacloud_mock runs", default="thread")
    parser.addini(
        "llamacloud_mock_reset",
        "reset the fake before each test that uses it (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SEED_MARKER}(*paths): seed the llamacloud_mock fixtures from JSON/YAML fixture or snapshot files "
        "(relative to the test file) after the per-test reset",
    )


def server_args(config: pytest.Config) -> list[str]:
    args = list(config.getini("llamacloud_mock_args"))
    if "--api-key" not in args:
        from mockserver.testing import DEFAULT_API_KEY

        args += ["--api-key", DEFAULT_API_KEY]
    return args


@pytest.fixture(scope="session")
def llamacloud_mock(request: pytest.FixtureRequest) -> Iterator:
    """The fake on a socket, for this session (this worker under xdist); see the module's doc."""
    from mockserver.testing import run_server

    mode = request.config.getini("llamacloud_mock_mode")
    with run_server(server_args(request.config), mode=mode) as mock:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("LLAMA_CLOUD_BASE_URL", mock.url)
            env.setenv("LLAMA_CLOUD_API_KEY", mock.api_key)
            yield mock


@pytest.fixture(scope="session")
def llamacloud_mock_inprocess(request: pytest.FixtureRequest) -> Iterator:
    """The fake with no socket, for this session; see the module's doc."""
    from mockserver.testing import in_process

    with in_process(server_args(request.config)) as mock:
        yield mock


def _seed_files(item: pytest.Item) -> list[Path]:
    markers = list(item.iter_markers(SEED_MARKER))  # the closest (the test's own) first
    base = Path(str(item.path)).parent
    return [base / path for marker in reversed(markers) for path in marker.args]


@pytest.fixture(autouse=True)
def _llamacloud_mock_per_test(request: pytest.FixtureRequest) -> None:
    """Reset, then seed, each fake the test uses, before any other fixture of the test."""
    names = [name for name in SERVER_FIXTURES if name in request.fixturenames]
    seeds = _seed_files(request.node)
    if seeds and not names:
        names = ["llamacloud_mock"]
    reset = request.config.getini("llamacloud_mock_reset")
    for name in names:
        mock = request.getfixturevalue(name)
        if reset:
            mock.admin.reset()
        for path in seeds:
            mock.admin.seed(path)
