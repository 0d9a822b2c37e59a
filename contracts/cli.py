"""``llamacloud-mock contract`` and ``llamacloud-mock diff`` (registered by mockserver/cli.py)."""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_REPORT_DIR = Path("reports/contract")


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', not {text!r}")
    return name.strip(), value.strip()


def _csv(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def add_parsers(commands: argparse._SubParsersAction) -> None:
    contract = commands.add_parser(
        "contract",
        help="run Schemathesis against the fake or a live LlamaCloud API and report drift",
        description=(
            "Run Schemathesis (every check; examples, coverage, fuzzing and stateful phases) over a spec, "
            "against a base URL or a freshly started fake. Prints a per-operation summary, writes JUnit XML "
            "and a Markdown drift report, and exits 1 on any failure."
        ),
    )
    contract.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="SPEC",
        help="a spec by name (agent_data, extraction_v1, seed, ...) or path; repeatable "
        "(default: every spec the fake serves with --fake, the real-wire-format specs otherwise)",
    )
    target = contract.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--base-url",
        metavar="URL",
        help="the API's root, as SDKs take it (https://api.cloud.llamaindex.ai); the spec's own base path is appended",
    )
    target.add_argument("--fake", action="store_true", help="start a fake on a free port for each spec (its profile)")
    contract.add_argument("--token", help="bearer token (default: $LLAMA_CLOUD_API_KEY)")
    contract.add_argument(
        "-H", "--header", action="append", default=[], type=_header, metavar="'NAME: VALUE'", help="extra header"
    )
    contract.add_argument("--seed", type=int, default=42, help="Schemathesis seed (default %(default)s)")
    contract.add_argument(
        "--max-examples", type=int, default=20, help="examples per operation and phase (default %(default)s)"
    )
    contract.add_argument(
        "--phases",
        type=_csv,
        default=("examples", "coverage", "fuzzing", "stateful"),
        help="comma-separated phases (default examples,coverage,fuzzing,stateful)",
    )
    contract.add_argument("--checks", type=_csv, default=("all",), help="comma-separated checks (default all)")
    contract.add_argument("--rate-limit", metavar="RATE", help="at most RATE requests, such as 10/s or 300/m")
    contract.add_argument("--read-only", action="store_true", help="send only GET, HEAD and OPTIONS requests")
    contract.add_argument("--max-requests", type=int, metavar="N", help="stop after N requests (a budget)")
    contract.add_argument(
        "--no-cleanup", action="store_true", help="leave what the run created (default: delete it afterwards)"
    )
    contract.add_argument("--max-steps", type=int, metavar="N", help="longest stateful scenario")
    contract.add_argument(
        "--deployment",
        metavar="NAME",
        help="workflow server: the deployment most requests aim at (default wfdemo, the example scenario's)",
    )
    contract.add_argument(
        "--workflows",
        type=_csv,
        metavar="A,B",
        help="workflow server: the workflows to run; name only ones that end by themselves (a synchronous run "
        "of one that asks for input waits until its timeout)",
    )
    contract.add_argument("--request-timeout", type=float, default=30.0, metavar="SECONDS")
    contract.add_argument(
        "--stream-seconds",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="read an event stream (SSE, NDJSON) this long at most, then check what came: a stream of a run "
        "still going stays open until the run ends (default %(default)s)",
    )
    contract.add_argument(
        "--report-dir",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        help="where junit.xml, drift-report.md and results.json go (default %(default)s)",
    )

    diff = commands.add_parser(
        "diff",
        help="compare two OpenAPI documents: breaking and non-breaking differences",
        description="A static comparison of OLD and NEW, from the point of view of a client written against OLD.",
    )
    diff.add_argument("old", type=Path, help="the OpenAPI document clients were written against")
    diff.add_argument("new", type=Path, help="the OpenAPI document of the API they now talk to")
    diff.add_argument("--output", "-o", type=Path, help="write the Markdown report here (default: stdout)")
    diff.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when a breaking difference is found")
    diff.add_argument("--title", help="the report's title (default: OpenAPI diff: OLD -> NEW)")


def _is_the_fake(base_url: str) -> bool:
    """Whether a server is llamacloud-mock (it names itself in a header on every answer)."""
    try:
        response = urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=5)
        headers = response.headers
    except urllib.error.HTTPError as e:
        headers = e.headers
    except OSError:
        return False
    return headers.get("llamacloud-mock-version") is not None


def _aimed(target, deployment: str | None, workflows: tuple[str, ...] | None):
    """The workflow server's target, aimed at another deployment and its workflows."""
    import dataclasses

    from contracts import aids

    if target.name != "workflows":
        return target
    names = workflows or aids.SCENARIO_WORKFLOWS
    aid = aids.deployment_workflows(deployment or aids.SCENARIO_DEPLOYMENT, names, workflows or aids.SYNC_WORKFLOWS)
    return dataclasses.replace(target, aids=(aid,))


def run_contract(args: argparse.Namespace) -> int:
    from contracts import report
    from contracts.runner import ALL_CHECKS, RunOptions, run
    from contracts.targets import all_targets, resolve

    try:
        if args.spec:
            targets = [resolve(spec) for spec in args.spec]
        elif args.fake:
            targets = list(all_targets().values())
        else:
            targets = [t for t in all_targets().values() if t.profile == "default"]
    except ValueError as e:
        print(f"llamacloud-mock contract: {e}", file=sys.stderr)
        return 2
    if args.deployment or args.workflows:
        targets = [_aimed(target, args.deployment, args.workflows) for target in targets]
    checks = ALL_CHECKS if "all" in args.checks else args.checks
    unknown = set(checks) - set(ALL_CHECKS)
    if unknown:
        print(f"llamacloud-mock contract: unknown checks {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    options = RunOptions(
        seed=args.seed,
        max_examples=args.max_examples,
        phases=args.phases,
        checks=tuple(checks),
        rate_limit=args.rate_limit,
        read_only=args.read_only,
        max_requests=args.max_requests,
        cleanup=not args.no_cleanup and not args.fake,
        headers=tuple(args.header),
        request_timeout=args.request_timeout,
        stream_seconds=args.stream_seconds,
        max_steps=args.max_steps,
        fake_only=args.fake or _is_the_fake(args.base_url),
    )
    results = []
    for target in targets:
        if args.fake:
            if target.profile is None:
                print(f"llamacloud-mock contract: the fake does not serve {target.spec}", file=sys.stderr)
                return 2
            from contracts.fake import serve

            with serve(target.profile, target.fake_args) as (url, key):
                result = run(target, base_url=url, token=key, options=options)
        else:
            token = args.token or os.environ.get("LLAMA_CLOUD_API_KEY")
            result = run(target, base_url=args.base_url, token=token, options=options)
        print(report.summary(result), flush=True)
        results.append(result)
    junit, drift = report.write(results, args.report_dir)
    failed = [r.target.name for r in results if not r.ok]
    print(f"\nreports: {junit}, {drift}")
    print(f"{'FAIL: drift in ' + ', '.join(failed) if failed else 'PASS: no drift'} ({len(results)} spec(s))")
    return 1 if failed else 0


def run_diff(args: argparse.Namespace) -> int:
    import yaml

    from contracts import diff

    specs = []
    for path in (args.old, args.new):
        if not path.exists():
            print(f"llamacloud-mock diff: no such file {path}", file=sys.stderr)
            return 2
        try:
            spec = diff.load(path)
        except (OSError, ValueError, yaml.YAMLError) as e:
            problem = getattr(e, "problem", None) or getattr(e, "strerror", None) or e
            print(f"llamacloud-mock diff: cannot read {path} as an OpenAPI spec ({problem}): fix it", file=sys.stderr)
            return 2
        if not isinstance(spec, dict) or not isinstance(spec.get("paths", {}), dict):
            print(
                f"llamacloud-mock diff: {path} is not an OpenAPI spec (no object with paths): fix it", file=sys.stderr
            )
            return 2
        specs.append(spec)
    result = diff.compare(*specs)
    text = diff.markdown(result, old_name=str(args.old), new_name=str(args.new), title=args.title)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"{args.output}: {result.summary()}")
    else:
        print(text, end="")
    return 1 if args.fail_on_breaking and result.breaking else 0
