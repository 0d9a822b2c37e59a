"""The unit suite on every supported Python this machine has (``make test-unit`` runs it).

nox rather than tox: the sessions are Python (the interpreters pyenv installed are found below,
the pytest arguments pass through), and a missing interpreter is skipped with a line saying so
(``--no-error-on-missing-interpreters``, which the Makefile passes also under CI=true, where nox
would otherwise fail).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

# pyproject.toml's requires-python, each minor version that exists (the LlamaAgents templates run 3.12+)
PYTHONS = ["3.11", "3.12", "3.13"]

# pyenv's versions answer to their pythonX.Y names only when activated (`pyenv global 3.11.7 3.12.1`):
# put the supported ones pyenv installed on the PATH (its newest patch release of each), so that nox
# finds them all as they are.
_PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"


def _patch_release(folder: Path) -> int:
    patch = folder.name.split(".")[2]  # 3.12.1 -> 1; a build such as 3.13.0t sorts first
    return int(patch) if patch.isdigit() else -1


_bins = [
    str(max(found, key=_patch_release) / "bin")
    for version in PYTHONS
    if (found := [p for p in _PYENV_VERSIONS.glob(f"{version}.*") if (p / "bin" / f"python{version}").exists()])
]
os.environ["PATH"] = os.pathsep.join([*_bins, os.environ.get("PATH", "")])

nox.options.sessions = ["unit"]
nox.options.reuse_existing_virtualenvs = True  # pip install is then a no-op for what is already there


@nox.session(python=PYTHONS)
def unit(session: nox.Session) -> None:
    """The unit suite (not the SDK, browser, workflow-server and docs-example suites: they have their own venvs).

    Arguments after ``--`` replace the default, the whole suite on two workers:
    ``nox -p 3.12 -- tests/harness/test_cli_startup.py``.
    """
    session.install("-e", ".[dev,contract]")
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--ignore=tests/sdk", "--ignore=tests/ui", "--ignore=tests/workflows", "--ignore=tests/agents",
        "--ignore=tests/docs",
        *(session.posargs or ["tests", "-n", "2"]),
    )  # fmt: skip


def newest_python() -> str:
    """The path of the newest supported Python here (the SDK suites run on it, as the apps that use the fake)."""
    for version in reversed(PYTHONS):
        found = shutil.which(f"python{version}")
        if found and subprocess.run([found, "-c", ""], capture_output=True).returncode == 0:
            return found
    return sys.executable


if __name__ == "__main__":  # `python noxfile.py`: the Makefile asks which Python the SDK venvs are made with
    print(newest_python())
