"""The workflows of bench/workflows/wfbench.yaml the real server runs (relay is the fake's alone):
the client suites' ``echo`` and ``hitl`` (tests/workflows/real_app, on the PYTHONPATH the bench
gives the appserver), ``hitl`` without its 0.1 s wait before the greeting.
"""

from __future__ import annotations

from llama_agents.server import WorkflowServer
from wfdemo.workflows import Echo, Hitl

server = WorkflowServer()
server.add_workflow("echo", Echo())
server.add_workflow("hitl", Hitl(greeting_wait=0, timeout=120))
