"""Real workflows for the real workflow server whose state lives in the fake's Agent Data.

* ``review``: human in the loop. A ProgressEvent, then AskEvent (an InputRequiredEvent) and a wait
  for AnswerEvent (a HumanResponseEvent); the answer goes into the workflow's state, and the result
  is ``{name, answer, approved}``;
* ``boom``: fails with "scripted failure";
* ``stuck``: a ProgressEvent, then an hour's wait in a step: a run to cancel;
* ``slow``: a chain of ``steps`` steps (a few milliseconds each), each writing a ProgressEvent and
  counting in the state: many events and state ticks; the result is the count.
"""

from __future__ import annotations

import asyncio

from llama_agents.server import WorkflowServer
from pydantic import BaseModel
from workflows import Context, Workflow, step
from workflows.events import Event, HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent


class ProgressEvent(Event):
    msg: str
    pct: int


class AskEvent(InputRequiredEvent):
    prefix: str


class AnswerEvent(HumanResponseEvent):
    response: str


class ReviewStart(StartEvent):
    name: str


class ReviewState(BaseModel):
    name: str = ""
    answer: str = ""


# The runs waiting for an answer, by name, held by their step context. llama-index-workflows 2.26.1
# keeps a run's queues in a WeakValueDictionary, and under llama-agents-server 0.8.0's cloud
# persistence nothing else holds a run that waits for input: the garbage collector may take it,
# and the run then stays "running" for ever. Holding the context holds the run.
WAITING: dict[str, Context] = {}


class Review(Workflow):
    @step
    async def ask(self, ctx: Context[ReviewState], ev: ReviewStart) -> AskEvent:
        WAITING[ev.name] = ctx
        async with ctx.store.edit_state() as state:
            state.name = ev.name
        ctx.write_event_to_stream(ProgressEvent(msg=f"reviewing {ev.name}", pct=50))
        return AskEvent(prefix=f"Approve {ev.name}?")

    @step
    async def decide(self, ctx: Context[ReviewState], ev: AnswerEvent) -> StopEvent:
        async with ctx.store.edit_state() as state:
            state.answer = ev.response
        state = await ctx.store.get_state()
        WAITING.pop(state.name, None)
        ctx.write_event_to_stream(ProgressEvent(msg="decided", pct=100))
        return StopEvent(result={"name": state.name, "answer": state.answer, "approved": ev.response == "yes"})


class Boom(Workflow):
    @step
    async def explode(self, ev: StartEvent) -> StopEvent:
        raise ValueError("scripted failure")


class Stuck(Workflow):
    @step
    async def wait_forever(self, ctx: Context, ev: StartEvent) -> StopEvent:
        ctx.write_event_to_stream(ProgressEvent(msg="working", pct=0))
        await asyncio.sleep(3600)
        return StopEvent(result="never")


class Tick(Event):
    left: int


class CountState(BaseModel):
    count: int = 0


class Slow(Workflow):
    @step
    async def begin(self, ev: StartEvent) -> Tick:
        return Tick(left=int(ev.get("steps", 10)))

    @step
    async def count(self, ctx: Context[CountState], ev: Tick) -> Tick | StopEvent:
        await asyncio.sleep(0.005)
        async with ctx.store.edit_state() as state:
            state.count += 1
            done = state.count
        ctx.write_event_to_stream(ProgressEvent(msg=f"step {done}", pct=done))
        if ev.left <= 1:
            return StopEvent(result={"count": done})
        return Tick(left=ev.left - 1)


server = WorkflowServer()
server.add_workflow("review", Review(timeout=None))
server.add_workflow("boom", Boom())
server.add_workflow("stuck", Stuck(timeout=None))
server.add_workflow("slow", Slow(timeout=60))
