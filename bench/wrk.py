"""The load generator: wrk (the Debian package ``wrk``), driven by the Lua scripts in bench/wrk/.

wrk keeps a fixed number of keep-alive connections busy for a fixed time (closed loop: each
connection sends its next request when the answer to the last one has arrived), on one thread
(``-t1``: this machine has 2 cores and the server needs one). The scripts count every answer's
status and print one line ``BENCH {json}`` from their ``done()`` hook (bench/wrk/common.lua):
the requests, the latency percentiles (wrk's histogram, in microseconds) and the socket errors.
``parse`` reads it.

The latencies are those measured: wrk 4 adds made-up samples to its histogram for every slow
answer (a correction for coordinated omission, meant for fixed-rate load: with one connection a
single 100 ms pause becomes hundreds of slow answers no client saw). common.lua undoes it exactly
(the count must then be the number of answers, which ``parse`` checks); wrk's corrected figures
are kept in the JSON as ``corrected``.

A run is ``clean`` when every answer was a 2xx and no socket error happened: a row whose run is
not clean fails, so that a fast error never passes for a fast answer.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import orjson

SCRIPTS = Path(__file__).resolve().parent / "wrk"
REQUEST_SCRIPT = SCRIPTS / "request.lua"
MIX_SCRIPT = SCRIPTS / "mix.lua"
MARKER = "BENCH "
TIMEOUT_S = 10  # wrk's per-request timeout: an answer slower than this counts as an error


class WrkError(RuntimeError):
    pass


def binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), or run `make bench`")
    return path


@dataclass
class Run:
    """One wrk run: what ``done()`` printed, with the figures the report uses."""

    connections: int
    seconds: float
    requests: int
    ok: int  # 2xx answers
    non_2xx: int
    socket_errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    first_non_2xx: str = ""
    extra: dict = field(default_factory=dict)  # the mix script's counts, wrk's corrected latencies
    histogram: dict[int, int] = field(default_factory=dict, repr=False)  # µs (3 significant digits) -> answers

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def clean(self) -> bool:
        return self.requests > 0 and self.non_2xx == 0 and not any(self.socket_errors.values())

    def problem(self) -> str:
        """Why the run is not clean ('' when it is)."""
        if self.requests == 0:
            return "no request answered"
        if self.non_2xx:
            return f"{self.non_2xx:,} of {self.requests:,} answers not 2xx, e.g. {self.first_non_2xx[:80]}"
        errors = {k: v for k, v in self.socket_errors.items() if v}
        return f"socket errors {errors}" if errors else ""

    def summary(self) -> dict:
        return {
            "connections": self.connections,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "ok": self.ok,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "mean_ms": round(self.mean_ms, 3),
            **({"first_non_2xx": self.first_non_2xx} if self.first_non_2xx else {}),
            **self.extra,
        }


def parse(stdout: str, connections: int) -> Run:
    """The Run of a wrk output holding the ``BENCH {json}`` line of bench/wrk/*.lua."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = orjson.loads(line[len(MARKER) :])
            break
    else:
        raise WrkError(f"no {MARKER.strip()} line in wrk's output:\n{stdout[-2000:]}")
    errors = data.pop("errors")
    errors.pop("status", None)  # wrk's own count of statuses > 399: ours (non_2xx) is stricter
    corrected = data.pop("latency_corrected_us")
    latency = data.pop("latency_us") or {"count": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0, "mean": 0.0}
    histogram = {}
    for pair in filter(None, latency.pop("histogram", "").split(",")):
        value, count = pair.split(":")
        histogram[int(value)] = int(count)
    recorded = data["requests"] - errors.get("timeout", 0)  # wrk records no latency for a timeout
    if latency.pop("count") != recorded:
        raise WrkError(f"undoing wrk's latency correction went wrong: {line}")
    data.pop("connections", None)
    data["corrected"] = {k: v / 1000 for k, v in corrected.items()}  # milliseconds, as the rest
    return Run(
        connections=connections,
        seconds=data.pop("duration_us") / 1e6,
        requests=data.pop("requests"),
        ok=data.pop("ok"),
        non_2xx=data.pop("non_2xx"),
        socket_errors=errors,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        mean_ms=latency["mean"] / 1000,
        first_non_2xx=data.pop("first_non_2xx", ""),
        extra=data,
        histogram=histogram,
    )


def percentile(histogram: dict[int, int], q: float) -> int:
    """The smallest value with at least q% of the answers at or below it (nearest rank)."""
    total = sum(histogram.values())
    rank = max(1, math.ceil(q / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return 0


def merge(runs: list[Run]) -> Run:
    """One Run of several (rounds of the same load): counts and times added, latencies from the
    merged histograms (to 3 significant digits), the maximum and the mean exact."""
    histogram: dict[int, int] = {}
    for run in runs:
        for value, count in run.histogram.items():
            histogram[value] = histogram.get(value, 0) + count
    answers = sum(histogram.values())
    errors: dict[str, int] = {}
    for run in runs:
        for name, count in run.socket_errors.items():
            errors[name] = errors.get(name, 0) + count
    recorded = [(run.mean_ms, sum(run.histogram.values())) for run in runs]
    return Run(
        connections=runs[0].connections,
        seconds=sum(run.seconds for run in runs),
        requests=sum(run.requests for run in runs),
        ok=sum(run.ok for run in runs),
        non_2xx=sum(run.non_2xx for run in runs),
        socket_errors=errors,
        p50_ms=percentile(histogram, 50) / 1000,
        p90_ms=percentile(histogram, 90) / 1000,
        p99_ms=percentile(histogram, 99) / 1000,
        max_ms=max(run.max_ms for run in runs),
        mean_ms=sum(mean * n for mean, n in recorded) / answers if answers else 0.0,
        first_non_2xx=next((run.first_non_2xx for run in runs if run.first_non_2xx), ""),
        extra={
            "rounds": len(runs),
            "round_rps": [round(run.rps) for run in runs],
            **(
                {"round_cpu_us": [run.extra["cpu_us"] for run in runs]}
                if all("cpu_us" in run.extra for run in runs)
                else {}
            ),
        },
        histogram=histogram,
    )


def command(url: str, connections: int, seconds: int, script: Path = REQUEST_SCRIPT) -> list[str]:
    """wrk on one thread with ``connections`` connections for ``seconds`` (whole: wrk takes no
    fractions) against ``url``, the script printing the BENCH line."""
    return [
        binary(),
        "-t1",
        f"-c{connections}",
        f"-d{max(int(seconds), 1)}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(script),
        url,
    ]


def run(
    url: str, connections: int, seconds: int, env: dict[str, str] | None = None, script: Path = REQUEST_SCRIPT
) -> Run:
    """One wrk run to its end; ``env`` goes to the script (BENCH_METHOD and BENCH_BODY for request.lua)."""
    return finish(spawn(url, connections, seconds, env, script), connections)


def spawn(
    url: str, connections: int, seconds: int, env: dict[str, str] | None = None, script: Path = REQUEST_SCRIPT
) -> subprocess.Popen:
    """wrk started in the background (``finish`` reads its figures)."""
    return subprocess.Popen(
        command(url, connections, seconds, script),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {}), "BENCH_WRK_DIR": str(SCRIPTS), "BENCH_CONNECTIONS": str(connections)},
    )


def finish(process: subprocess.Popen, connections: int) -> Run:
    try:
        stdout, stderr = process.communicate(timeout=3600)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise WrkError("wrk did not end") from None
    if process.returncode != 0:
        raise WrkError(f"wrk exited with {process.returncode}: {stderr.strip()[-500:]}")
    return parse(stdout, connections)
