"""Every usage or environment error of ``llamacloud-mock serve``: one line saying what is wrong and
what to do, a non-zero exit status, no traceback (mockserver/cli.py)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support import ROOT


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--log-level", "warning", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _cases(tmp_path, busy_port) -> dict[str, tuple[list[str], str]]:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("not JSON")
    bad_seed = tmp_path / "seed.yaml"
    bad_seed.write_text("agent_data: [unclosed")
    deep_seed = tmp_path / "deep.json"
    deep_seed.write_text('{"agent_data": [{"deployment_name": "x", "data": ' + "[" * 5000 + "]" * 5000 + "}]}")
    return {
        "port too large": (["--port", "99999"], "expected a port number from 0 to 65535"),
        "port negative": (["--port", "-1"], "expected a port number from 0 to 65535"),
        "port not a number": (["--port", "eighty"], "expected a port number from 0 to 65535"),
        "port in use": (
            ["--port", str(busy_port)],
            f"cannot listen on 127.0.0.1 port {busy_port} (Address already in use)",
        ),
        "unknown host": (["--host", "no-such-host.invalid", "--port", "0"], "cannot listen on no-such-host.invalid"),
        "db in a missing folder": (["--db", str(tmp_path / "missing" / "x.json")], "cannot use"),
        "db is a folder": (["--db", str(tmp_path)], "(Is a directory)"),
        "db not JSON": (["--db", str(corrupt)], "cannot start"),
        "seed file missing": (["--seed-file", str(tmp_path / "nope.yaml")], "cannot read the fixture file"),
        "seed file not YAML": (["--seed-file", str(bad_seed)], "cannot start"),
        "seed file too deep": (["--seed-file", str(deep_seed)], "is nested deeper than 100 levels"),
        "max body size negative": (["--max-body-size", "-5"], "expected a number of bytes, zero or more"),
        "max json depth not a number": (["--max-json-depth", "deep"], "expected a number of levels from 1 to 200"),
        "max json depth too large": (
            ["--max-json-depth", "201"],
            "expected a number of levels from 1 to 200",
        ),
        "max json depth zero": (["--max-json-depth", "0"], "expected a number of levels from 1 to 200"),
        "journal size negative": (["--journal-size", "-1"], "expected a number of requests, zero or more"),
        "unknown option": (["--prot", "4010"], "unrecognized arguments: --prot 4010"),
    }


CASES = [
    "port too large",
    "port negative",
    "port not a number",
    "port in use",
    "unknown host",
    "db in a missing folder",
    "db is a folder",
    "db not JSON",
    "seed file missing",
    "seed file not YAML",
    "seed file too deep",
    "max body size negative",
    "max json depth not a number",
    "max json depth too large",
    "max json depth zero",
    "journal size negative",
    "unknown option",
]


@pytest.mark.parametrize("case", CASES)
def test_a_usage_or_environment_error_is_one_line_and_a_non_zero_exit(case, tmp_path, busy_port):
    args, expected = _cases(tmp_path, busy_port)[case]
    result = _serve(*args)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert expected in output
    # it says what to do, not only what went wrong
    assert any(
        hint in output for hint in ("--help", "Pass", "Pick", "pass", "fix", "Fix", "check", "Check", "remove")
    ), output


@pytest.mark.parametrize(
    ("content", "expected"),
    [("a: [", "cannot read"), ("just text", "is not an OpenAPI spec"), (None, "(Is a directory)")],
)
def test_diff_of_what_is_not_a_spec_is_one_line(tmp_path, content, expected):
    path = tmp_path
    if content is not None:
        path = tmp_path / "spec.yaml"
        path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "diff", str(path), "openapi/extraction_v1.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    said = result.stderr.strip().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(said) == 1 and expected in said[0], result.stderr


def test_the_state_file_the_readme_suggests_is_ignored_by_git():
    """make serve DB=state.json: the file, its write-ahead log and its files folder stay out of git status."""
    paths = ["state.json", "state.json.wal", "state.json.files/abc", "state.json.1234.tmp", "x.db.json.wal"]
    result = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.split() == paths
