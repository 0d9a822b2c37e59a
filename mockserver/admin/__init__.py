"""The fake's test-harness controls, apart from the APIs it fakes (as moto keeps them in moto_api).

* ``journal.py``: the request journal, a capped ring buffer of what clients sent;
* ``faults.py``: fault rules (a status, latency or a dropped connection, on chosen requests);
* ``middleware.py``: the one ASGI layer that applies both, adds the version header to every
  response and guards the admin API with the admin key;
* ``operations.py``: which operation of which spec a request is, for rules and queries by operation;
* ``fixtures.py``: data seeded from a JSON or YAML file;
* ``snapshot.py``: reset, snapshot and restore of the whole state.

The wire adapter of the admin API (openapi/admin.yaml) is mockserver/api/admin.py.
"""
