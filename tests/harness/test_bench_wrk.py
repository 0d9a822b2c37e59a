"""bench/wrk.py reads the line bench/wrk/*.lua print from wrk's done() hook; a run with any answer
that is not a 2xx (or any socket error) is not clean, so its benchmark row fails."""

from __future__ import annotations

import shutil

import pytest

from bench.wrk import MIX_SCRIPT, REQUEST_SCRIPT, Run, WrkError, merge, parse, percentile, run

OUTPUT = """Running 5s test @ http://127.0.0.1:4010/api/v1/beta/agent-data/x
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.51ms    1.20ms  40.00ms   90.00%%
  25000 requests in 5.00s, 9.00MB read
Requests/sec:   5000.00
Transfer/sec:      1.80MB
BENCH {"requests":25000,"duration_us":5000000,"ok":%(ok)d,"non_2xx":%(bad)d,"first_non_2xx":%(first)s,\
"errors":{"connect":0,"read":0,"write":0,"timeout":%(timeout)d,"status":%(bad)d},\
"latency_us":{"count":%(count)d,"p50":2400,"p90":3100,"p99":9800,"max":40000,"mean":2510.5},\
"latency_corrected_us":{"p50":2600,"p90":3900,"p99":30000,"max":40000,"mean":3010.5}%(extra)s}
"""


def output(ok=25000, bad=0, first='""', timeout=0, extra="", count=None):
    count = 25000 - timeout if count is None else count
    return OUTPUT % {"ok": ok, "bad": bad, "first": first, "timeout": timeout, "extra": extra, "count": count}


def test_a_clean_run():
    run = parse(output(), 16)
    assert run.clean and run.problem() == ""
    assert run.rps == 5000.0
    assert (run.p50_ms, run.p99_ms, run.max_ms) == (2.4, 9.8, 40.0)
    assert run.summary()["rps"] == 5000.0 and run.summary()["connections"] == 16
    assert run.extra["corrected"]["p99"] == 30.0  # wrk's coordinated-omission figures, kept aside


def test_the_latency_count_must_be_the_number_of_answers():
    """common.lua undoes wrk's correction; a count that is not the answers' means it went wrong."""
    with pytest.raises(WrkError, match="latency correction"):
        parse(output(count=25100), 16)


def test_an_answer_not_2xx_fails_the_run():
    run = parse(output(ok=24999, bad=1, first='"404 {\\"detail\\":\\"Not Found\\"}"'), 1)
    assert not run.clean
    assert run.problem().startswith("1 of 25,000 answers not 2xx, e.g. 404")


def test_a_socket_error_fails_the_run():
    run = parse(output(timeout=3), 16)
    assert not run.clean and "timeout" in run.problem()


def test_the_mix_script_counts_are_kept():
    run = parse(output(extra=',"sent":{"get":10},"records_created":4,"files_uploaded":4,"not_deleted":1'), 16)
    assert run.extra["sent"] == {"get": 10} and run.extra["records_created"] == 4
    assert run.summary()["not_deleted"] == 1


def _run(requests, histogram, mean_ms, non_2xx=0):
    return Run(1, 1.0, requests, requests - non_2xx, non_2xx, {"timeout": 0}, 0, 0, 0, max(histogram) / 1000, mean_ms,
               "503 busy" if non_2xx else "", histogram=histogram)  # fmt: skip


def test_rounds_merge_into_one_run():
    one = _run(4, {100: 3, 200: 1}, 0.125)
    two = _run(6, {100: 1, 300: 4, 1000: 1}, 0.4333, non_2xx=1)
    merged = merge([one, two])
    assert (merged.requests, merged.seconds, merged.rps, merged.non_2xx) == (10, 2.0, 5.0, 1)
    assert merged.histogram == {100: 4, 200: 1, 300: 4, 1000: 1}
    assert (merged.p50_ms, merged.p90_ms, merged.p99_ms, merged.max_ms) == (0.2, 0.3, 1.0, 1.0)
    assert merged.mean_ms == pytest.approx(0.31, abs=1e-3)
    assert not merged.clean and merged.first_non_2xx == "503 busy" and merged.extra["round_rps"] == [4, 6]
    assert percentile({5: 1}, 99) == 5 and percentile({1: 50, 2: 50}, 50) == 1


def test_no_bench_line_is_an_error():
    with pytest.raises(WrkError, match="no BENCH line"):
        parse("PANIC: unprotected error in call to Lua API", 1)


def test_the_scripts_print_the_line_parse_reads():
    for script in (REQUEST_SCRIPT, MIX_SCRIPT):
        text = script.read_text()
        assert "function done(" in text and "common.report(" in text
    common = (REQUEST_SCRIPT.parent / "common.lua").read_text()
    assert "'BENCH {" in common and '"latency_us":%s' in common


@pytest.fixture
def tiny_server():
    """A keep-alive HTTP/1.1 server in a thread: 200 on /ok, 404 elsewhere."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = b'{"id":"x"}'
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_and_the_scripts_end_to_end(tiny_server):
    """The Lua runs in wrk, its latency count matches the answers (parse checks), statuses are counted."""
    good = run(tiny_server + "/ok", 1, 1)
    assert good.clean and good.requests > 10 and 0 < good.p50_ms <= good.p99_ms <= good.max_ms
    assert sum(good.histogram.values()) == good.requests
    bad = run(tiny_server + "/missing", 2, 1)
    assert not bad.clean and bad.non_2xx == bad.requests and bad.first_non_2xx.startswith("404")
