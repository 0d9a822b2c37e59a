"""The shipped package speaks for itself: the wheel built from the project's files, installed (not
editable) in a fresh venv, serves the fake with no repository around it: specs, their generated JSON
copies, the scenario files' schema and the dashboard's files come from the wheel.

The venv reuses .venv's installed dependencies (a path appended to its sys.path, after its own
site-packages, so that the wheel's llamacloud-mock is the one imported) rather than downloading them
again; the project itself is installed from the wheel with ``--no-deps``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx

from mockserver import __version__
from mockserver.testing import SERVING_LINE
from tests.support import ROOT


def _project_files(into: Path) -> Path:
    """The files a clone has (tracked or new, nothing ignored: no build/, no .venv), copied as they are."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    for name in filter(None, listed):
        source, target = ROOT / name, into / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return into


def test_the_wheel_serves_with_no_repository_around(tmp_path):
    source = _project_files(tmp_path / "src")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("llamacloud_mock-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)
    command = env_dir / "bin" / "llamacloud-mock"
    elsewhere = tmp_path  # no repository here, nor above it

    version = subprocess.run([command, "--version"], cwd=elsewhere, capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"llamacloud-mock {__version__}"

    scenario = elsewhere / "echo.yaml"  # read against the schema the wheel ships
    scenario.write_text("deployment: app\nworkflows:\n  echo:\n    steps:\n      - stop: {result: '${start.text}'}\n")
    server = subprocess.Popen(
        [command, "serve", "--port", "0", "--log-level", "warning", "--workflows", str(scenario)],
        cwd=elsewhere,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        first = server.stdout.readline()
        served = SERVING_LINE.search(first)
        assert served, first
        url = served.group(1).decode()
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer k"}, timeout=10) as client:
            created = client.post("/api/v1/beta/agent-data", json={"deployment_name": "d", "data": {"a": 1}})
            assert created.status_code == 200, created.text
            assert client.get(f"/api/v1/beta/agent-data/{created.json()['id']}").json()["data"] == {"a": 1}
            page = client.get("/_mock/ui/")
            assert page.status_code == 200 and "<html" in page.text.lower()
            run = client.post("/deployments/app/workflows/echo/run", json={"start_event": {"text": "hi"}})
            assert (run.status_code, run.json()["result"]["value"]) == (200, {"result": "hi"})
            status = client.get("/_mock/status").json()
            assert status["version"] == __version__
        imported = [python, "-c", "import mockserver; print(mockserver.__file__)"]
        where = subprocess.run(imported, cwd=elsewhere, capture_output=True, text=True).stdout
        assert where.startswith(str(env_dir)), where  # the wheel's copy, not the repository's
    finally:
        server.terminate()
        server.wait(timeout=30)
