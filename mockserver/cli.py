"""The ``llamacloud-mock`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from mockserver import __version__, registry
from mockserver.config import (
    DEFAULT_HOST,
    DEFAULT_JOB_DURATION,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_ENDED_HANDLERS,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_PORT,
    DEFAULT_PROJECT_ID,
    Config,
)
from mockserver.limits import MAX_JSON_DEPTH

if TYPE_CHECKING:
    from mockserver.state import FakeState

log = logging.getLogger("llamacloud_mock")


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, zero or more, not {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a number of seconds above zero")
    return value


def _whole_number(expected: str, highest: int | None = None, lowest: int = 0) -> Callable[[str], int]:
    """An argparse type: an integer from ``lowest`` to ``highest``, else a usage error saying ``expected``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest or (highest is not None and value > highest):
            raise argparse.ArgumentTypeError(f"expected {expected}, not {text!r}")
        return value

    return parse


_port = _whole_number("a port number from 0 to 65535 (0 picks a free one)", 65535)
_bytes = _whole_number("a number of bytes, zero or more")
_levels = _whole_number(f"a number of levels from 1 to {MAX_JSON_DEPTH}", MAX_JSON_DEPTH, lowest=1)


class _Parser(argparse.ArgumentParser):
    """A usage error in one line (what is wrong, where the options are), not argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}. See {self.prog} --help.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llamacloud-mock", description="A stateful local fake of LlamaCloud's REST APIs.")
    parser.add_argument("--version", action="version", version=f"llamacloud-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the fake over HTTP")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    serve.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="TinyDB JSON file holding the state across restarts (default: in memory only)",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        dest="api_keys",
        help="accept this bearer token (repeatable; default: any non-empty token)",
    )
    serve.add_argument(
        "--default-project-id",
        default=DEFAULT_PROJECT_ID,
        help="project of requests that name none (default %(default)s)",
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the spec (slower; a mismatch answers 500)",
    )
    serve.add_argument(
        "--no-fast-path",
        dest="fast_path",
        action="store_false",
        help="serve every request through connexion's full stack (same answers, slower; to rule the fast path out)",
    )
    serve.add_argument("--id-seed", type=int, metavar="N", help="generate the same ids on every run")
    serve.add_argument(
        "--job-duration",
        type=_non_negative_float,
        default=DEFAULT_JOB_DURATION,
        metavar="SECONDS",
        help="how long an extraction job takes, half queued and half running (default %(default)s; 0: done at once)",
    )
    serve.add_argument(
        "--virtual-clock",
        nargs="?",
        const="frozen",
        choices=["frozen", "running"],
        help="a clock the admin API controls, starting at start-up: frozen (the default: time, and so jobs, move "
        "only when POST /_mock/clock/advance says) or running at wall speed until frozen",
    )
    serve.add_argument(
        "--max-file-size",
        type=_bytes,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="BYTES",
        help="largest file accepted (default %(default)s); larger uploads answer 413",
    )
    serve.add_argument(
        "--max-body-size",
        type=_bytes,
        default=DEFAULT_MAX_BODY_SIZE,
        metavar="BYTES",
        help="largest request body accepted under /api/, uploads aside (default %(default)s; 0: no limit); "
        "larger bodies answer 413",
    )
    serve.add_argument(
        "--max-json-depth",
        type=_levels,
        default=DEFAULT_MAX_JSON_DEPTH,
        metavar="LEVELS",
        help=f"deepest nesting of arrays and objects a JSON body may have (default %(default)s, at most "
        f"{MAX_JSON_DEPTH}); deeper bodies answer 400",
    )
    serve.add_argument(
        "--profile",
        default="default",
        choices=registry.profile_names(),
        help="the wire format to serve: the real API (default) or the published seed spec openapi/seed/ under /api/v1",
    )
    serve.add_argument(
        "--admin-key",
        metavar="KEY",
        help="the bearer token the admin API (/_mock/) needs, health and readiness excepted (default: none needed)",
    )
    serve.add_argument(
        "--lenient",
        action="store_true",
        help="unknown ids of agent data, agents, jobs, runs and files materialize on GET instead of answering 404",
    )
    serve.add_argument(
        "--journal-size",
        type=_whole_number("a number of requests, zero or more"),
        default=DEFAULT_JOURNAL_SIZE,
        metavar="N",
        help="how many requests the request journal keeps (default %(default)s; 0 turns it off)",
    )
    serve.add_argument(
        "--seed-file",
        type=Path,
        metavar="PATH",
        help="a JSON or YAML fixture (or snapshot) loaded into an empty state at start and at every reset",
    )
    serve.add_argument(
        "--workflows",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a scenario file (YAML or JSON): serve its deployment's workflows at /deployments/<name>/ "
        "(repeatable, one deployment per file; docs/workflows.md)",
    )
    serve.add_argument(
        "--sse-heartbeat",
        type=_positive_float,
        default=25.0,
        metavar="SECONDS",
        help="seconds between two heartbeat comments on an idle workflow event stream (default %(default)s)",
    )
    serve.add_argument(
        "--max-ended-handlers",
        type=_whole_number("a number of handlers, 1 or more", lowest=1),
        default=DEFAULT_MAX_ENDED_HANDLERS,
        metavar="N",
        help="how many ended workflow handlers are kept, the oldest forgotten first (default %(default)s)",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    workflows = commands.add_parser("workflows", help="workflow scenarios: record one from a real run")
    workflow_commands = workflows.add_subparsers(dest="workflows_command", required=True, metavar="record")
    record = workflow_commands.add_parser(
        "record",
        help="run a workflow on a real workflow server and write a scenario file that replays it",
        description=(
            "Run a workflow on a real workflow server (llamactl serve, or a deployed LlamaAgents app), stream its "
            "events as a client does, answer its questions in order, and write a scenario entry replaying the same "
            "events, values, waits and result or error (docs/contract-testing-workflows.md). With --from-handler, "
            "record a run that has ended from its event log instead (no waits: the log keeps no timings)."
        ),
    )
    record.add_argument(
        "--base-url", required=True, metavar="URL", help="the deployment's URL: http://localhost:4501/deployments/NAME"
    )
    source = record.add_mutually_exclusive_group(required=True)
    source.add_argument("--workflow", metavar="NAME", help="the workflow to run")
    source.add_argument("--from-handler", metavar="ID", help="record this ended run instead of running one")
    record.add_argument("--start", default="{}", metavar="JSON", help="the start event's fields (default {})")
    record.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="TYPE=JSON",
        help="the answer to the next input-required event, e.g. AnswerEvent='{\"response\": \"yes\"}' (repeatable)",
    )
    record.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="the scenario file (the entry is added when it exists)"
    )
    record.add_argument("--token", help="bearer token of a deployed app (default: $LLAMA_CLOUD_API_KEY)")
    record.add_argument(
        "--speed", type=_positive_float, default=1.0, metavar="X", help="replay X times as fast (waits divided by X)"
    )

    # the contract harness (contracts/): Schemathesis runs and the static spec diff
    from contracts.cli import add_parsers

    add_parsers(commands)
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config of parsed ``serve`` options (also used by mockserver.testing to run the fake)."""
    if args.workflows and args.profile != "default":
        raise SystemExit(
            "llamacloud-mock: --workflows serves the workflow server of the default profile, not --profile seed"
        )
    return Config(
        api_keys=tuple(args.api_keys),
        db_path=args.db,
        default_project_id=args.default_project_id,
        validate_responses=args.validate_responses,
        fast_path=args.fast_path,
        id_seed=args.id_seed,
        host=args.host,
        port=args.port,
        job_duration=args.job_duration,
        virtual_clock=args.virtual_clock is not None,
        clock_running=args.virtual_clock == "running",
        max_file_size=args.max_file_size,
        max_body_size=args.max_body_size,
        max_json_depth=args.max_json_depth,
        profile=args.profile,
        admin_key=args.admin_key,
        lenient=args.lenient,
        journal_size=args.journal_size,
        seed_file=args.seed_file,
        workflows=tuple(args.workflows),
        sse_heartbeat=args.sse_heartbeat,
        max_ended_handlers=args.max_ended_handlers,
    )


def serve(args: argparse.Namespace) -> int:
    # Start-up runs without garbage collection, then freezes what it built. Nearly everything it
    # allocates lives as long as the process (modules, specs, routes, the loaded state), so the
    # automatic collections on the way would only rescan it: about 250 of them, 0.07 s (a tenth
    # of the start-up), and 0.65 s with --db holding 100,000 records. gc.freeze() then moves it
    # all out of the collector's reach (a long-lived state is never rescanned: large searches
    # allocate enough to trigger full collections otherwise). No gc.collect() before it (the
    # pattern gc's documentation gives for freeze: disable early, freeze): that full collection
    # scans every object, 0.05 s (0.3 s with 100,000 records), to free only the cyclic garbage
    # of the imports, about 2,300 objects (0.5 MB, whatever the state's size), frozen instead.
    gc.disable()  # already off when started by main() (or python -m mockserver): from the first import
    try:
        import uvicorn

        from mockserver.admin.fixtures import FixtureFileError
        from mockserver.app import create_app
        from mockserver.domain.scenarios import ScenarioError
        from mockserver.storage import StateFileError

        logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
        config = config_from_args(args)
        try:
            app = create_app(config)
        except (StateFileError, ScenarioError) as e:
            log.error("cannot start: %s", e)
            return 2
        except FixtureFileError as e:
            log.error("cannot start: %s. Fix the file, or pass another --seed-file.", e)
            return 2
        except OSError as e:  # the state file or the folder of file bytes beside it
            log.error(
                "cannot start: cannot use %s as the state file (%s). Pass a --db PATH in a folder that exists "
                "and that you may write to.",
                config.db_path or e.filename,
                e.strerror or e,
            )
            return 2
        gc.freeze()
        serving_collections()
    finally:
        gc.enable()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_level=args.log_level,
            lifespan="on",
            # per-request work the fake does not need: an access log line, X-Forwarded-* rewriting
            # (no proxy in front of a local fake), a "server: uvicorn" header the real API does not send
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
    )
    try:
        sock = _listen(config.host, config.port)  # bound here, so that --port 0 can say which port it got
    except OSError as e:
        app.state.close()
        log.error(
            "cannot start: cannot listen on %s port %s (%s). Pick another --port (0 picks a free one) or --host.",
            config.host,
            config.port,
            e.strerror or e,
        )
        return 2
    host, port = sock.getsockname()[:2]
    print(banner(config, f"http://{_url_host(host)}:{port}", app.state), flush=True)
    server.run(sockets=[sock])
    return 0


def banner(config: Config, url: str, state: FakeState) -> str:
    """What a user needs to start: the address first (its line is what scripts wait for), then what is
    served, where to look and steer, whether keys are checked, and where the state is kept."""
    from mockserver.ui import UI_PATH

    served = registry.profile(config.profile).apis
    apis = [api.name for api in served if not api.controls and not api.banner]  # the others have lines of their own
    wire = "the real wire format" if config.profile == "default" else "the published seed spec, under /api/v1"
    lines = [
        f"llamacloud-mock {__version__} serving on {url}",
        f"  APIs:      {', '.join(apis)} (profile {config.profile}: {wire}); give SDKs {url} as base URL",
        f"  dashboard: {url}{UI_PATH}",
        f"  admin API: {url}/_mock/ ({'needs the --admin-key' if config.admin_key else 'open'}); request journal: "
        + (f"the last {config.journal_size} requests" if config.journal_size else "off"),
        "  auth:      "
        + (
            f"accepting {len(config.api_keys)} configured API key(s)"
            if config.api_keys
            else "any non-empty bearer token (pass --api-key KEY to restrict)"
        ),
        "  state:     "
        + (
            f"persisted in {config.db_path} (with a write-ahead log beside it)"
            if config.db_path
            else "in memory (pass --db PATH to keep it across restarts)"
        ),
        f"  jobs:      {config.job_duration} s each, half queued, half running (--job-duration)",
    ]
    if config.virtual_clock:
        running = "running" if config.clock_running else "frozen"
        now = state.clock.now_iso()
        lines.append(f"  clock:     virtual, {running} at {now} (move it with POST /_mock/clock/advance)")
    if config.seed_file:
        lines.append(f"  seed:      {config.seed_file}, loaded into an empty state at start and at every reset")
    for api in served:
        if api.banner:
            lines += registry.resolve(api.banner)(state, url)
    if config.lenient:
        lines.append("  lenient:   unknown ids read by GET materialize (--lenient)")
    lines.append("  docs:      llamacloud-mock serve --help; the project's docs/ (make docs-serve) for the rest")
    return "\n".join(lines)


# Serving: records are long-lived and never cyclic, yet every full collection rescans all of them.
# Under 30 s of creates (over 100,000 records), gc's defaults spent 2.0 s collecting, 1.3 s of it
# in 7 full collections with pauses growing from 44 to 367 ms; with a young collection every 10,000
# allocations (not 700) and the survivors of a full collection frozen once they pass 100,000
# objects, 0.8 s and no full collection. Cyclic garbage frozen with them would never be freed:
# only what requests in flight hold at that moment, a few KB per 100,000 objects kept.
YOUNG_COLLECTION_EVERY = 10_000
FREEZE_SURVIVORS_ABOVE = 100_000


def serving_collections() -> None:
    """The collector's settings while serving (the process's own: serve only, not in-process use)."""
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2 and len(gc.get_objects(2)) > FREEZE_SURVIVORS_ABOVE:
        gc.freeze()


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, as uvicorn binds one (whose own bind logs the error and exits)."""
    sock = socket.socket(family=socket.AF_INET6 if ":" in host else socket.AF_INET, type=socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    # listening at once: the serving line is printed before uvicorn starts, and a client that
    # connects on reading it must wait in the backlog (uvicorn's 2048), not be refused
    sock.listen(2048)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def main(argv: list[str] | None = None) -> int:
    gc.disable()  # the start-up of serve runs without garbage collection (see serve), which enables it again
    # connexion imports starlette's test client, which warns about httpx at every start: nothing a
    # user of any command can act on
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    try:
        args = build_parser().parse_args(argv)
    except BaseException:  # --help, --version, a usage error
        gc.enable()
        raise
    if args.command == "serve":
        return serve(args)
    gc.enable()
    if args.command == "workflows":
        from mockserver import workflow_recording

        if args.token is None:
            args.token = os.environ.get("LLAMA_CLOUD_API_KEY")
        return workflow_recording.run(args)
    if args.command in ("contract", "diff"):
        from contracts import cli as contracts_cli

        try:
            return contracts_cli.run_contract(args) if args.command == "contract" else contracts_cli.run_diff(args)
        except ImportError as e:
            print(
                f"llamacloud-mock {args.command}: {e}. The contract harness needs the 'contract' extra: "
                "pip install -e '.[contract]' (make install does).",
                file=sys.stderr,
            )
            return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
