"""The README's pytest example is a test of examples/invoice-app, run by `make test-examples`:
this keeps the two the same text."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "invoice-app" / "tests" / "v2" / "test_quickstart.py"


def test_the_readme_shows_the_quickstart_test_verbatim():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Testing with pytest") :]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    assert example == QUICKSTART.read_text()
    assert "llamacloud_mock.admin.add_fault(" in example and "llamacloud_seed" in example


def test_the_readme_documents_every_admin_operation():
    import yaml

    readme = (ROOT / "README.md").read_text()
    spec = yaml.safe_load((ROOT / "openapi" / "admin.yaml").read_text())
    for path in spec["paths"]:
        shown = path.replace("{job_id}", "").replace("{fault_id}", "{id}").rstrip("/")
        last = shown.rsplit("/", 1)[-1]
        assert shown in readme or f"/{last}" in readme, path
