"""The contract harness: Schemathesis against the fake, or against any live LlamaCloud API.

Layered like Schemathesis itself:

* ``targets``: what can be tested (our specs and the seed spec, with the fake's profile for each,
  the resources a run creates and how to delete them, and the documented exclusions);
* ``runner``: one run of the Schemathesis engine (``schemathesis.engine.from_schema(schema).execute()``)
  over a spec, against a URL or an in-process ASGI app: seeded, bounded, with every check, and for
  live APIs rate-limited, read-only on demand, under a request budget, cleaning up after itself;
* ``report``: the run as a per-operation summary on stdout, JUnit XML and a Markdown drift report
  naming the operation and the JSON path of each failure;
* ``fake``: the fake started on a free port for ``make contract``;
* ``diff``: a static comparison of two OpenAPI documents (``llamacloud-mock diff``);
* ``cli``: the ``contract`` and ``diff`` subcommands of ``llamacloud-mock`` (mockserver/cli.py).

Schemathesis is an optional dependency (``pip install -e '.[contract]'``): nothing here is
imported by the fake itself.
"""
