"""The stateless baseline: Stoplight Prism (``prism mock``), pinned in bench/prism/package.json.

``make bench`` installs it (``npm ci`` in bench/prism, from the committed lock file). One Prism
process serves one spec, so the comparison runs one per spec, each on its own port, serving the
same wire-format specs the fake serves (openapi/agent_data.yaml, openapi/extraction_v1.yaml).

Prism runs with ``--verboseLevel warn``: at its default (info) it logs every request and its
validation to the terminal, which costs it about two thirds of its throughput; the fake runs
with ``--log-level warning`` (no access log) too. Everything else is Prism's default: request
validation on (an invalid request answers 422), static examples from the spec, CORS headers.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.server import HOST, ROOT, Server

PRISM_DIR = ROOT / "bench" / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"


def pinned_version() -> str:
    return json.loads((PRISM_DIR / "package.json").read_text())["dependencies"]["@stoplight/prism-cli"]


def installed_version() -> str:
    """The version of the installed Prism; RuntimeError with what to run when it is missing."""
    if not PRISM_BIN.exists():
        where = PRISM_DIR.relative_to(ROOT)
        raise RuntimeError(f"Prism is not installed: run `make bench`, or `npm ci` in {where} (node and npm needed)")
    version = subprocess.run([str(PRISM_BIN), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    if version != pinned_version():
        raise RuntimeError(f"Prism {version} installed, {pinned_version()} pinned: run `npm ci` in bench/prism")
    return version


class Prism(Server):
    """``prism mock SPEC`` on a free port; started, probed and stopped (SIGINT) as the fake is."""

    def __init__(self, workdir: Path, spec: Path, name: str = "prism"):
        super().__init__(workdir, None, name)
        self.spec = spec

    def command(self) -> list[str]:
        return [
            str(PRISM_BIN),
            "mock",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--verboseLevel",
            "warn",
            str(self.spec),
        ]
