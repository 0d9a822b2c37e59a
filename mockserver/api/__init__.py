"""Wire adapters, one module per API: methods named by operationId, generated models in, JSON out.

Each module has the function its row in mockserver/registry.py names: ``adapter(state)`` (or, for an
API served by its own ASGI layer, ``layer(app, state)``)."""
