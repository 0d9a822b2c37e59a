"""The ``llamacloud-mock`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from mockserver import __version__
from mockserver.config import (
    DEFAULT_HOST,
    DEFAULT_JOB_DURATION,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_PORT,
    DEFAULT_PROJECT_ID,
    Config,
)

log = logging.getLogger("llamacloud_mock")


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, zero or more, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llamacloud-mock", description="A stateful local fake of LlamaCloud's REST APIs."
    )
    parser.add_argument("--version", action="version", version=f"llamacloud-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the fake over HTTP")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
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
        action="store_true",
        help="start the clock frozen at start-up: time, and so jobs, move only when POST /_mock/clock/advance says",
    )
    serve.add_argument(
        "--max-file-size",
        type=int,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="BYTES",
        help="largest file accepted (default %(default)s); larger uploads answer 413",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.app import create_app
    from mockserver.storage import StateFileError

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    config = Config(
        api_keys=tuple(args.api_keys),
        db_path=args.db,
        default_project_id=args.default_project_id,
        validate_responses=args.validate_responses,
        id_seed=args.id_seed,
        host=args.host,
        port=args.port,
        job_duration=args.job_duration,
        virtual_clock=args.virtual_clock,
        max_file_size=args.max_file_size,
    )
    try:
        app = create_app(config)
    except StateFileError as e:
        log.error("cannot start: %s", e)
        return 2
    # The loaded state is long-lived: keep the garbage collector from rescanning it on every
    # collection (large searches allocate enough to trigger full collections otherwise).
    gc.collect()
    gc.freeze()
    log.info(
        "state: %s",
        f"persisted in {config.db_path} (with a write-ahead log beside it)"
        if config.db_path
        else "in memory (pass --db PATH to keep it across restarts)",
    )
    if config.virtual_clock:
        log.info("clock: virtual, frozen at %s (move it with POST /_mock/clock/advance)", app.state.clock.now_iso())
    log.info("jobs: %ss each, half queued, half running (--job-duration)", config.job_duration)
    if config.api_keys:
        log.info("auth: accepting %d configured API key(s)", len(config.api_keys))
    else:
        log.info("auth: accepting any non-empty bearer token (pass --api-key KEY to restrict)")
    uvicorn.run(app, host=config.host, port=config.port, log_level=args.log_level, access_log=False, lifespan="on")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 1


if __name__ == "__main__":
    sys.exit(main())
