"""The live drift run (drift.py): the contract harness against the real workflow server and the fake; both
must disagree with openapi/workflows.yaml in the same places, the real server's known bugs set aside."""

from __future__ import annotations

from drift import KNOWN, drift, markdown, places, unexplained


def test_the_real_server_and_the_fake_disagree_with_the_spec_in_the_same_places(tmp_path):
    results = drift(tmp_path)
    (tmp_path / "report.md").write_text(markdown(results))
    for name, result in results.items():
        assert result["errors"] == [], f"the harness failed against the {name} server: {result['errors']}"
        assert result["requests"] >= 200, f"too few requests against the {name} server ({tmp_path / name})"
        assert all(stats["requests"] for stats in result["operations"].values()), f"untested operations ({name})"
    real_only, fake_only = unexplained(results)
    assert not real_only and not fake_only, (
        f"the servers disagree with the spec in different places (report: {tmp_path / 'report.md'}):\n"
        f"only the real server: {sorted(real_only)}\nonly the fake: {sorted(fake_only)}"
    )
    assert not set(places(results["fake"])) & set(KNOWN)  # the fake copies none of the real server's bugs
