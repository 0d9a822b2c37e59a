"""The workflows of examples/workflows/wfdemo.yaml, for real: each does on the wire what its scenario
entry scripts (same event types, values, waits, result and error), so that one client suite runs
against the real server and the fake alike.

* ``hitl``: ProgressEvent, then AskEvent (an InputRequiredEvent) and a wait for AnswerEvent (a
  HumanResponseEvent), then ProgressEvent and the result ``{answer, approved}``;
* ``echo``: the result is the start event's ``text``;
* ``boom``: fails with "scripted failure" after 0.2 s;
* ``slow``: a ProgressEvent, then an hour's wait before its result: a run to cancel mid-step.

Steps are named as the fake names a scenario's (``start``, then ``step_2``...), so that the differential
compares step names (internal events, a failure's ``step_name``) as they are.
"""

from __future__ import annotations

import asyncio

from llama_agents.server import WorkflowServer
from workflows import Context, Workflow, step
from workflows.events import Event, HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent


class ProgressEvent(Event):
    msg: str
    pct: int


class AskEvent(InputRequiredEvent):
    prefix: str  # declared, so that it serializes flat ({"prefix": ...}), as the UI reads it


class AnswerEvent(HumanResponseEvent):
    response: str


class HitlStart(StartEvent):
    name: str


class Hitl(Workflow):
    def __init__(self, greeting_wait: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.greeting_wait = greeting_wait  # the scenario's `after: 0.1` (none in the bench: bench/workflows)

    @step
    async def start(self, ctx: Context, ev: HitlStart) -> AskEvent:
        await asyncio.sleep(self.greeting_wait)
        ctx.write_event_to_stream(ProgressEvent(msg=f"hello {ev.name}", pct=50))
        return AskEvent(prefix=f"Approve greeting for {ev.name}?")

    @step
    async def step_2(self, ctx: Context, ev: AnswerEvent) -> StopEvent:
        ctx.write_event_to_stream(ProgressEvent(msg="got answer", pct=100))
        return StopEvent(result={"answer": ev.response, "approved": True})


class Echo(Workflow):
    @step
    async def start(self, ev: StartEvent) -> StopEvent:
        return StopEvent(result=ev.get("text"))


class Boom(Workflow):
    @step
    async def start(self, ev: StartEvent) -> StopEvent:
        await asyncio.sleep(0.2)
        raise RuntimeError("scripted failure")  # the exception type a scenario's `fail` reports


class Slow(Workflow):
    @step
    async def start(self, ctx: Context, ev: StartEvent) -> StopEvent:
        ctx.write_event_to_stream(ProgressEvent(msg="working", pct=0))
        await asyncio.sleep(3600)
        return StopEvent(result="slow done")


server = WorkflowServer()
server.add_workflow("hitl", Hitl(timeout=120))
server.add_workflow("echo", Echo())
server.add_workflow("boom", Boom())
server.add_workflow("slow", Slow(timeout=None))
