"""The benchmark suite of llamacloud-mock: ``make bench`` (``python -m bench``).

It starts real servers (``python -m mockserver serve``) as subprocesses, drives them over HTTP on
127.0.0.1 with a keep-alive client, prints one table of figures against the issue's targets
and writes the same figures to ``reports/bench.json``. Benchmarks report; they do not assert:
the exit code is 0 even when a target fails (the table says FAIL).

Modules: ``stats`` (timing and percentiles), ``server`` (spawning and stopping servers, their
memory), ``dataset`` (records and prepared state files), ``writes`` (targets 1 and 4, and the
stock TinyDB baseline), ``search`` (target 2), ``startup`` (target 3), ``wrk`` (the load
generator and its Lua scripts in ``wrk/``), ``prism_server`` (Stoplight Prism, pinned in
``prism/``), ``load`` (sections 5 and 6: requests/s and latency against Prism, the cost of
``--validate-responses``), ``soak`` (section 7: memory, the cost of a job, a soak), ``report``
(table and JSON).
"""
