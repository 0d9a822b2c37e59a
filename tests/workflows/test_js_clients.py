"""The node suites (tests/workflows/js: @llamaindex/workflows-client, and the @llamaindex/ui hooks under
jsdom), run by node's test runner against each target. pytest starts the servers (servers.py, the one
place that knows how) and hands node the deployment's URL in $WORKFLOWS_BASE_URL; node stays a pure
client, so the suites need no Python and no server logic of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"
SUITES = sorted(path.name for path in JS.glob("*.test.mjs"))


@pytest.mark.parametrize("suite", SUITES)
def test_node_suite(base_url, suite):
    node = shutil.which("node")
    assert node, "the node suites need node and npm: install them (e.g. apt-get install nodejs npm)"
    assert (JS / "node_modules" / ".installed").exists(), (
        "the node suites' packages are not installed: run `make test-workflows` (npm ci in tests/workflows/js)")
    result = subprocess.run([node, "--test", "--test-reporter=spec", suite], cwd=JS, capture_output=True, text=True,
                            env={**os.environ, "WORKFLOWS_BASE_URL": base_url}, timeout=600)
    assert result.returncode == 0, f"node --test {suite} failed:\n{result.stdout}\n{result.stderr}"
