"""The workflows of examples/workflows/wfdemo.yaml, written for the real workflow server.

Named as the fake names what it derives from the scenario (the steps `start` and `step_2`, a plain
StartEvent, a RuntimeError for the failure), so that the two servers' transcripts compare equal.
"""

import asyncio

from workflows import Context, Workflow, step
from workflows.events import Event, HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent


class ProgressEvent(Event):
    msg: str
    pct: int


class AskEvent(InputRequiredEvent):
    prefix: str


class AnswerEvent(HumanResponseEvent):
    response: str


class Hitl(Workflow):
    @step
    async def start(self, ctx: Context, ev: StartEvent) -> AskEvent:
        await asyncio.sleep(0.1)
        ctx.write_event_to_stream(ProgressEvent(msg=f"hello {ev.get('name')}", pct=50))
        return AskEvent(prefix=f"Approve greeting for {ev.get('name')}?")

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
        raise RuntimeError("scripted failure")


class Slow(Workflow):
    @step
    async def start(self, ctx: Context, ev: StartEvent) -> StopEvent:
        ctx.write_event_to_stream(ProgressEvent(msg="working", pct=0))
        await asyncio.sleep(3600)
        return StopEvent(result="slow done")


hitl = Hitl(timeout=120)
echo = Echo(timeout=60)
boom = Boom(timeout=60)
slow = Slow(timeout=None)
