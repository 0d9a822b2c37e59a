"""The fake's state and rules, with no HTTP in them: one module per API area, over one TinyDB."""
