"""The docs' pytest example is a test of examples/invoice-app, run by `make test-examples`: this keeps the
two the same text. The admin API's guide names every operation of openapi/admin.yaml (its reference,
docs/reference/admin-api.md, is generated from the spec by `make docs`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "invoice-app" / "tests" / "v2" / "test_quickstart.py"
ADMIN_GUIDE = [ROOT / "docs" / "admin.md", ROOT / "docs" / "jobs-and-clock.md"]


def test_the_docs_show_the_quickstart_test_verbatim():
    page = (ROOT / "docs" / "pytest.md").read_text()
    example = re.search(r"```python\n(.*?)```", page, re.DOTALL).group(1)
    assert example == QUICKSTART.read_text()
    assert "llamacloud_mock.admin.add_fault(" in example and "llamacloud_seed" in example


def test_the_admin_guide_documents_every_admin_operation():
    import yaml

    guide = "".join(page.read_text() for page in ADMIN_GUIDE)
    spec = yaml.safe_load((ROOT / "openapi" / "admin.yaml").read_text())
    for path in spec["paths"]:
        shown = path.replace("{job_id}", "").replace("{fault_id}", "{id}").rstrip("/")
        last = shown.rsplit("/", 1)[-1]
        assert shown in guide or f"/{last}" in guide, path
