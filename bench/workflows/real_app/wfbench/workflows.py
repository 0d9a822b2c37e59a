"""The workflows of bench/workflows/wfbench.yaml the real server runs (relay is the fake's alone):

* ``echo``: the result is the start event's ``text``;
* ``hitl``: ProgressEvent, then AskEvent (an InputRequiredEvent) and a wait for AnswerEvent (a
  HumanResponseEvent), then ProgressEvent and the result ``{answer, approved}``, with no sleep.
"""

from __future__ import annotations

from llama_agents.server import WorkflowServer
from workflows import Context, Workflow, step
from workflows.events import Event, HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent


class ProgressEvent(Event):
    msg: str
    pct: int


class AskEvent(InputRequiredEvent):
    prefix: str


class AnswerEvent(HumanResponseEvent):
    response: str


class HitlStart(StartEvent):
    name: str


class Hitl(Workflow):
    @step
    async def start(self, ctx: Context, ev: HitlStart) -> AskEvent:
        ctx.write_event_to_stream(ProgressEvent(msg=f"hello {ev.name}", pct=50))
        return AskEvent(prefix=f"Approve greeting for {ev.name}?")

    @step
    async def finish(self, ctx: Context, ev: AnswerEvent) -> StopEvent:
        ctx.write_event_to_stream(ProgressEvent(msg="got answer", pct=100))
        return StopEvent(result={"answer": ev.response, "approved": True})


class Echo(Workflow):
    @step
    async def run_it(self, ev: StartEvent) -> StopEvent:
        return StopEvent(result=ev.get("text"))


server = WorkflowServer()
server.add_workflow("echo", Echo())
server.add_workflow("hitl", Hitl(timeout=120))
