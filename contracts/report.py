"""A run's results for people and for CI: a per-operation summary on stdout, JUnit XML, and a
Markdown drift report naming the operation and the JSON path of each failure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from schemathesis import __version__ as SCHEMATHESIS_VERSION

from contracts.runner import RunResult


def _options_line(result: RunResult) -> str:
    o = result.options
    parts = [f"seed {o.seed}", f"max-examples {o.max_examples}", f"phases {','.join(o.phases)}"]
    if o.rate_limit:
        parts.append(f"rate limit {o.rate_limit}")
    if o.read_only:
        parts.append("read-only")
    if o.max_requests is not None:
        parts.append(f"budget {o.max_requests} requests")
    return ", ".join(parts)


def summary(result: RunResult) -> str:
    """The per-operation table printed after a run."""
    width = max([len(label) for label in result.operations] + [9])
    lines = [
        f"== {result.target.name}: {result.target.description}",
        f"   against {result.base_url} ({_options_line(result)})",
        f"   {'operation'.ljust(width)}  requests   2xx   4xx   5xx  failing",
    ]
    for label, stats in result.operations.items():
        lines.append(
            f"   {label.ljust(width)}  {stats.requests:8d}  {stats.count(200):4d}  {stats.count(400):4d}  "
            f"{stats.count(500):4d}  {stats.failing_requests:7d}"
        )
    untested = [label for label, stats in result.operations.items() if stats.requests == 0]
    if result.links_total:
        lines.append(f"   stateful: {len(result.links_covered)} of {result.links_total} links followed")
    if result.phase_seconds:
        lines.append(
            "   phases: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.phase_seconds.items())
        )
    failures = result.unique_failures
    verdict = "PASS" if result.ok else "FAIL"
    lines.append(
        f"   {verdict}: {result.requests} requests in {result.duration:.1f}s, {len(failures)} unique failure(s)"
        f" ({sum(f.count for f in failures)} occurrence(s)), {len(result.errors)} error(s), "
        f"{sum(result.excluded.values())} failure(s) dropped by documented exclusions"
    )
    for failure in failures:
        lines.append(
            f"   - {failure.operation}: {failure.code} {failure.title} at {failure.json_path} (x{failure.count})"
        )
    for error in result.errors:
        lines.append(f"   - error: {error.splitlines()[0]}")
    if result.streams_cut:
        seconds = result.options.stream_seconds
        lines.append(f"   {result.streams_cut} NDJSON stream(s) of runs still going cut after {seconds}s")
    if untested:
        lines.append(f"   untested operations: {', '.join(untested)}")
    if result.stopped_by_budget:
        lines.append(f"   stopped: the request budget ({result.options.max_requests}) was spent")
    cleanup = result.cleanup
    if cleanup.deleted or cleanup.already_gone or cleanup.failed or cleanup.left:
        lines.append(
            f"   cleanup: {len(cleanup.deleted)} deleted, {len(cleanup.already_gone)} already gone, "
            f"{len(cleanup.failed)} failed" + "".join(f"; left: {item}" for item in cleanup.left)
        )
    return "\n".join(lines)


def junit_xml(results: list[RunResult]) -> str:
    """One testsuite per target, one testcase per operation; each unique failure is a <failure>."""
    suites = ET.Element("testsuites", name="llamacloud-mock contract")
    for result in results:
        failures_by_operation: dict[str, list] = {}
        for failure in result.unique_failures:
            failures_by_operation.setdefault(failure.operation, []).append(failure)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=result.target.name,
            tests=str(len(result.operations)),
            failures=str(sum(1 for label in result.operations if label in failures_by_operation)),
            errors=str(len(result.errors)),
            time=f"{result.duration:.3f}",
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("spec", str(result.target.spec)),
            ("base_url", result.base_url),
            ("options", _options_line(result)),
            ("requests", str(result.requests)),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        for label, stats in result.operations.items():
            case = ET.SubElement(
                suite, "testcase", classname=result.target.name, name=label, time=f"{stats.seconds:.3f}"
            )
            for failure in failures_by_operation.get(label, []):
                element = ET.SubElement(
                    case,
                    "failure",
                    message=f"{failure.code} {failure.title} at {failure.json_path}",
                    type=failure.check,
                )
                element.text = f"{failure.message}\n\nReproduce with:\n{failure.curl}".strip()
            if stats.requests == 0 and label not in failures_by_operation:
                ET.SubElement(case, "skipped", message="no request reached this operation")
        for label in failures_by_operation.keys() - result.operations.keys():
            case = ET.SubElement(suite, "testcase", classname=result.target.name, name=label, time="0")
            for failure in failures_by_operation[label]:
                ET.SubElement(case, "failure", message=f"{failure.code} {failure.title}", type=failure.check)
        for error in result.errors:
            case = ET.SubElement(suite, "testcase", classname=result.target.name, name="error", time="0")
            ET.SubElement(case, "error", message=error.splitlines()[0]).text = error
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: list[RunResult]) -> str:
    """The drift report: per target, the operations, each unique failure with its operation and
    JSON path, the errors, and the exclusions with their reasons and how many failures each dropped."""
    verdict = "no drift" if all(r.ok for r in results) else "DRIFT FOUND"
    lines = [
        "# Contract drift report",
        "",
        f"Schemathesis {SCHEMATHESIS_VERSION}, run by `llamacloud-mock contract`: {verdict}.",
        "",
        "| target | spec | against | requests | unique failures | errors | excluded | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.target.name} | `{_relative(r.target.spec)}` | {r.base_url} | {r.requests} | "
            f"{len(r.failures)} | {len(r.errors)} | {sum(r.excluded.values())} | {'pass' if r.ok else 'FAIL'} |"
        )
    for r in results:
        lines += [
            "",
            f"## {r.target.name}",
            "",
            f"{r.target.description}. Options: {_options_line(r)}; {r.requests} requests in {r.duration:.1f}s.",
            "",
        ]
        lines += ["| operation | requests | 2xx | 4xx | 5xx | failing requests |", "|---|---|---|---|---|---|"]
        for label, s in r.operations.items():
            counts = f"{s.requests} | {s.count(200)} | {s.count(400)} | {s.count(500)} | {s.failing_requests}"
            lines.append(f"| `{label}` | {counts} |")
        lines += ["", "### Failures", ""]
        if not r.failures:
            lines.append("None.")
        else:
            lines += [
                "| # | operation | check | failure | JSON path | status | seen | phase | detail |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for i, f in enumerate(r.unique_failures, 1):
                detail = f.message.strip().splitlines()[0] if f.message.strip() else ""
                lines.append(
                    f"| {i} | `{f.operation}` | {f.check} | {f.code} {_cell(f.title)} | `{f.json_path}` | "
                    f"{f.status if f.status is not None else '-'} | {f.count} | {f.phase} | {_cell(detail)} |"
                )
            lines.append("")
            for i, f in enumerate(r.unique_failures, 1):
                lines += [
                    "<details>",
                    f"<summary>{i}. {f.code} {f.title}: <code>{f.operation}</code> "
                    f"at <code>{f.json_path}</code></summary>",
                    "",
                    "```",
                    f.message.strip(),
                    "```",
                    "",
                    "Response:",
                    "",
                    "```",
                    f.response.strip(),
                    "```",
                    "",
                    "```",
                    f.curl.strip(),
                    "```",
                    "</details>",
                    "",
                ]
        if r.errors:
            lines += ["", "### Errors", ""] + [f"- {_cell(e)}" for e in r.errors]
        lines += ["", "### Documented exclusions", ""]
        if not r.target.exclusions:
            lines.append("None.")
        else:
            lines += ["| exclusion | checks | operations | dropped in this run | reason |", "|---|---|---|---|---|"]
            for e in r.target.exclusions:
                operations = ", ".join(f"`{o}`" for o in e.operations) or "any"
                lines.append(
                    f"| {e.id} | {', '.join(e.checks)} | {operations} | {r.excluded.get(e.id, 0)} | {_cell(e.reason)} |"
                )
        c = r.cleanup
        if c.deleted or c.already_gone or c.failed or c.left:
            lines += [
                "",
                "### Cleanup",
                "",
                f"{len(c.deleted)} deleted, {len(c.already_gone)} already gone, {len(c.failed)} failed.",
            ]
            lines += [f"- failed: {item}" for item in c.failed] + [f"- left: {item}" for item in c.left]
    return "\n".join(lines) + "\n"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def as_json(results: list[RunResult]) -> dict:
    """What a program comparing runs needs: per target, the operations' figures and each unique failure."""
    return {
        "schemathesis": SCHEMATHESIS_VERSION,
        "targets": [
            {
                "target": r.target.name,
                "base_url": r.base_url,
                "requests": r.requests,
                "seconds": round(r.duration, 1),
                "excluded": dict(r.excluded),
                "streams_cut": r.streams_cut,
                "errors": r.errors,
                "operations": {
                    label: {"requests": s.requests, "statuses": {str(k): n for k, n in sorted(s.statuses.items())}}
                    for label, s in r.operations.items()
                },
                "failures": [
                    {
                        "operation": f.operation,
                        "check": f.check,
                        "code": f.code,
                        "title": f.title,
                        "json_path": f.json_path,
                        "status": f.status,
                        "count": f.count,
                        "message": f.message.splitlines()[0] if f.message else "",
                        "response": f.response,
                        "request": f.request,
                    }
                    for f in r.unique_failures
                ],
            }
            for r in results
        ],
    }


def write(results: list[RunResult], directory: Path) -> tuple[Path, Path]:
    """junit.xml, drift-report.md and results.json (for programs) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    junit, drift = directory / "junit.xml", directory / "drift-report.md"
    junit.write_text(junit_xml(results))
    drift.write_text(markdown(results))
    (directory / "results.json").write_text(json.dumps(as_json(results), indent=1) + "\n")
    return junit, drift
