"""The tests' layout (ARCHITECTURE.md, Tests): every unit test module is in a layer folder, and every
test file the project's docs, code and Makefile name exists, so that a moved test leaves no stale
pointer behind."""

from __future__ import annotations

import re
import subprocess

from tests.support import ROOT

LAYERS = ("domain", "http", "harness", "contracts")
TEST_FILE = re.compile(r"(?<![\w/.-])tests/[\w/.-]+\.(?:py|ini)")  # not examples/invoice-app/tests/...


def test_every_unit_test_module_is_in_a_layer_folder():
    flat = sorted(path.name for path in (ROOT / "tests").glob("test_*.py"))
    assert flat == [], f"move them into one of tests/{{{','.join(LAYERS)}}}/ (ARCHITECTURE.md, Tests)"


def test_every_test_file_the_project_names_exists():
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    texts = [
        name for name in listed
        if name.endswith((".md", ".py", ".ini", ".toml", "Makefile", ".ci/run"))
        and not name.startswith(("examples/", "generated/")) and "node_modules" not in name
    ]  # fmt: skip
    missing = {
        f"{name}: {found}"
        for name in texts
        if (ROOT / name).is_file()
        for found in TEST_FILE.findall((ROOT / name).read_text())
        if not (ROOT / found).exists()
    }
    assert sorted(missing) == []
