"""The reproductions of docs/upstream.md still show what they say, against the installed connexion.

Each script exits 0 while connexion behaves as the page says: a failure here means connexion
changed, and the work-around the page names may go (update the page, or drop its section).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

SCRIPTS = ROOT / "docs" / "upstream"


def run(script: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize(
    ("script", "output"),
    [
        (
            "same_base_path.py",
            ["{'first': 200, 'second': 404, 'third': 200}", "reproduced: the second API is unreachable"],
        ),
        (
            "validators_per_request.py",
            [
                "{'parameter validator': 10, 'request body validator': 10, 'response body validator': 10, "
                "'response jsonschema validator': 10} for 10 requests",
                "reproduced: built once per request",
            ],
        ),
    ],
)
def test_the_reproduction_shows_what_the_page_says(script, output):
    assert run(script) == output


def test_a_spec_is_checked_against_the_metaschema_whatever_add_api_is_told():
    timing, verdict = run("spec_validation.py")
    assert verdict == "reproduced: the check cannot be skipped"
    assert timing.startswith("Specification.from_dict, 50 operations: ") and timing.endswith(" without the check")
