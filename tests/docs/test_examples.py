"""Every code block of README.md and docs/ marked runnable runs, against a fresh fake, and must succeed.

A block is runnable when the line before its fence is ``<!-- run -->``, or ``<!-- run: serve OPTIONS -->``
to start its fake with options of ``llamacloud-mock serve`` (HTML comments: invisible on GitHub and on the
docs site). Its language says how it runs:

* ``bash``: by bash with ``set -euo pipefail`` (so a failing ``curl --fail`` fails the example);
* ``python``: in the venv of the client it imports (``llama_agents``: .venvs/agents; ``llama_cloud_services``:
  .venvs/sdk-v01; ``llama_cloud``: .venvs/sdk-v2), else in .venv;
* ``js``/``typescript``-flavoured JavaScript (``js``): by node beside tests/sdk/ts/node_modules.

Each block gets a fake of its own, started with the defaults of ``llamacloud-mock serve``; the address
the docs use, ``http://127.0.0.1:4010``, is replaced by the fake's, and ``LLAMA_CLOUD_BASE_URL`` and
``LLAMA_CLOUD_API_KEY`` point at it, as ``make serve`` and an exported environment would. `make test-docs`
runs this file (part of `make test`), after installing the SDK venvs and the TypeScript SDK.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from mockserver.testing import run_server
from tests.support import ROOT

DOCS_URL = "http://127.0.0.1:4010"
MARK = re.compile(r"<!-- run(?:: serve (?P<options>.*?))? -->")
FENCE = re.compile(r"^" + MARK.pattern + r"\n```(?P<language>\w+)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
TS_DIR = ROOT / "tests" / "sdk" / "ts"
TIMEOUT = 120


def runnable_blocks() -> list:
    blocks = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = page.read_text()
        found = list(FENCE.finditer(text))
        assert len(found) == len(MARK.findall(text)), f"{page}: a <!-- run --> not followed by a fenced block"
        for match in found:
            line = text.count("\n", 0, match.start()) + 2
            # a path of the repository (a scenario file) is read from it, wherever pytest runs
            options = [str(ROOT / o) if (ROOT / o).is_file() else o for o in (match["options"] or "").split()]
            where = f"{page.relative_to(ROOT)}:{line}"
            blocks.append(pytest.param(match["language"], match["code"], options, id=where))
    return blocks


def _python_for(code: str) -> str:
    if re.search(r"^\s*(from|import) llama_agents", code, re.MULTILINE):
        venv = ".venvs/agents"
    elif re.search(r"^\s*(from|import) llama_cloud_services", code, re.MULTILINE):
        venv = ".venvs/sdk-v01"
    elif re.search(r"^\s*(from|import) llama_cloud\b", code, re.MULTILINE):
        venv = ".venvs/sdk-v2"
    else:
        return sys.executable
    python = ROOT / venv / "bin" / "python"
    assert python.exists(), f"{venv} is missing: run make test-docs (it installs the SDK venvs)"
    return str(python)


def _command(language: str, code: str, tmp_path: Path) -> tuple[list[str], Path]:
    if language == "bash":
        return ["bash", "-c", "set -euo pipefail\n" + code], tmp_path
    if language == "python":
        script = tmp_path / "example.py"
        script.write_text(code)
        return [_python_for(code), str(script)], tmp_path
    if language == "js":
        assert (TS_DIR / "node_modules").exists(), "tests/sdk/ts/node_modules is missing: run make test-docs"
        script = TS_DIR / f".docs-example-{uuid.uuid4().hex}.mjs"  # beside node_modules, which it imports
        script.write_text(code)
        return ["node", str(script)], tmp_path
    raise AssertionError(f"no runner for a {language} block: mark only bash, python and js blocks runnable")


def test_the_docs_mark_examples_to_run():
    assert len(runnable_blocks()) >= 10


@pytest.mark.parametrize(("language", "code", "options"), runnable_blocks())
def test_example_runs(language, code, options, tmp_path):
    with run_server(options) as fake:
        code = code.replace(DOCS_URL, fake.url)
        command, cwd = _command(language, code, tmp_path)
        env = {**os.environ, "LLAMA_CLOUD_BASE_URL": fake.url, "LLAMA_CLOUD_API_KEY": fake.api_key}
        try:
            done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        finally:
            if language == "js":
                Path(command[1]).unlink(missing_ok=True)
    assert done.returncode == 0, f"the example failed:\n{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
