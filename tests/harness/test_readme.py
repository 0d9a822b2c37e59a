"""The docs' pytest example is a test of examples/invoice-app, run by `make test-examples`: this keeps the
two the same text (the README shows one of its tests). The README stays short and links nowhere outside
the repository but to public sites. The admin API's guide names every operation of openapi/admin.yaml (its reference,
docs/reference/admin-api.md, is generated from the spec by `make docs`)."""

from __future__ import annotations

import re

from tests.support import ROOT

QUICKSTART = ROOT / "examples" / "invoice-app" / "tests" / "v2" / "test_quickstart.py"
ADMIN_GUIDE = [ROOT / "docs" / "admin.md", ROOT / "docs" / "jobs-and-clock.md"]


def test_the_docs_show_the_quickstart_test_verbatim():
    page = (ROOT / "docs" / "pytest.md").read_text()
    example = re.search(r"```python\n(.*?)```", page, re.DOTALL).group(1)
    assert example == QUICKSTART.read_text()
    assert "llamacloud_mock.admin.add_fault(" in example and "llamacloud_seed" in example


def test_the_readme_shows_a_test_of_the_quickstart_verbatim():
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"\*\*In pytest\*\*.*?```python\n(.*?)```", readme, re.DOTALL).group(1)
    assert example.startswith("@pytest.mark.llamacloud_seed(") and example in QUICKSTART.read_text()


def test_the_readme_is_short_and_its_links_stay_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) <= 10_000
    for target in re.findall(r"\]\(([^)]+)\)", readme):
        if target.startswith("https://"):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target


def test_the_admin_guide_documents_every_admin_operation():
    import yaml

    guide = "".join(page.read_text() for page in ADMIN_GUIDE)
    spec = yaml.safe_load((ROOT / "openapi" / "admin.yaml").read_text())
    for path in spec["paths"]:
        shown = path.replace("{job_id}", "").replace("{fault_id}", "{id}").rstrip("/")
        last = shown.rsplit("/", 1)[-1]
        assert shown in guide or f"/{last}" in guide, path


def test_the_docs_never_point_outside_the_project():
    """What a user of the published package reads names no file it does not have."""
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")]
    pages += (ROOT / "openapi").glob("*.yaml")  # shipped in the wheel
    for page in pages:
        assert "../shared" not in page.read_text(), page


def test_getting_started_explains_every_serve_option():
    """The hand-written table beside the generated reference (docs/reference/cli.md) misses none."""
    import argparse

    from mockserver.cli import build_parser

    page = (ROOT / "docs" / "getting-started.md").read_text()
    serve = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["serve"]
    options = [a.option_strings[-1] for a in serve._actions if a.option_strings and a.help != argparse.SUPPRESS]
    missing = [o for o in options if o not in ("--help", "--log-level") and f"`{o}" not in page]
    assert missing == []
