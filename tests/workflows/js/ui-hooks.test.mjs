// The @llamaindex/ui 4.7.0 workflow hooks, unmodified, rendered by react-dom under jsdom (dom.mjs) against
// the target at $WORKFLOWS_BASE_URL: useWorkflows, useWorkflow(name).createHandler, useHandler(id) with
// subscribeToEvents and sendEvent, useHandlers; a full human-in-the-loop run, a failing run, cancelled runs.
// The UI is configured as an app configures it: an ApiProvider whose workflowsClient has the deployment's
// base URL (http://host/deployments/<name>); every route is appended to it.
import './dom.mjs';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, HITL_PUBLIC } from './target.mjs';

const React = await import('react');
const { createRoot } = await import('react-dom/client');
const ui = await import('@llamaindex/ui');
const { ApiProvider, WorkflowEvent, createWorkflowsClient, useHandler, useHandlers, useWorkflow, useWorkflows } = ui;

const client = createWorkflowsClient({ baseUrl: BASE_URL });
const roots = [];
after(() => roots.forEach((root) => root.unmount()));

/** Render a component that calls `hooks()`; `probe.current` is what the hooks returned at the last render. */
function mount(hooks) {
  const probe = { current: null };
  function Probe() {
    probe.current = hooks();
    return null;
  }
  const root = createRoot(document.createElement('div'));
  root.render(React.createElement(ApiProvider, { clients: { workflowsClient: client } }, React.createElement(Probe)));
  roots.push(root);
  return probe;
}

/** Wait until `check()` is true (the state is updated by server events); fails with `what` after a long while. */
async function until(what, check) {
  for (let waited = 0; waited < 30_000; waited += 10) {
    if (check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function mountHandler(handlerId) {
  const handler = mount(() => useHandler(handlerId));
  await until('the handler to load', () => handler.current && !handler.current.state.loading);
  return handler;
}

async function startRun(workflow, input) {
  const trigger = mount(() => useWorkflow(workflow));
  await until('useWorkflow to render', () => trigger.current);
  const created = await trigger.current.createHandler(input);
  assert.equal(created.workflow_name, workflow);
  assert.equal(created.status, 'running');
  return mountHandler(created.handler_id);
}

test('useWorkflows lists the workflows', async () => {
  const workflows = mount(() => useWorkflows());
  await until('the workflows', () => workflows.current && !workflows.current.state.loading);
  assert.equal(workflows.current.state.loadingError, undefined);
  assert.deepEqual(Object.keys(workflows.current.state.workflows), ['hitl', 'echo', 'boom', 'slow']);
});

test('a full human-in-the-loop run', async () => {
  const handler = await startRun('hitl', { name: 'Ui' });
  assert.equal(handler.current.state.status, 'running');
  const handlerId = handler.current.state.handler_id;
  const seen = [];
  let sent;
  let succeeded;
  const subscription = handler.current.subscribeToEvents(
    {
      onData: (event) => {
        seen.push(event);
        if (event.type === 'AskEvent') {
          sent = handler.current.sendEvent(new WorkflowEvent('AnswerEvent', { response: 'ui-yes' }, ['HumanResponseEvent']));
        }
      },
      onSuccess: (events) => (succeeded = events),
      onError: (error) => assert.fail(`onError: ${error.message}`),
    },
    { afterSequence: -1 }, // without it the stream starts "now" and misses what the run said before
  );
  const events = await subscription.promise;
  assert.deepEqual(await sent, { status: 'sent' });
  assert.deepEqual(events.map((e) => e.type), HITL_PUBLIC);
  assert.deepEqual(seen.map((e) => e.type), HITL_PUBLIC);
  assert.equal(succeeded, events);
  assert.ok(ui.isInputRequiredEvent(events[1]));
  assert.deepEqual(events[0].data, { msg: 'hello Ui', pct: 50 });
  assert.equal(events[1].data.prefix, 'Approve greeting for Ui?');
  assert.ok(ui.isStopEvent(events[3]));
  await until('the completed state', () => handler.current.state.status === 'completed');
  assert.deepEqual(handler.current.state.result.data, { result: { answer: 'ui-yes', approved: true } });

  const listed = mount(() => useHandlers({ query: { workflow_name: ['hitl'], status: ['completed'] } }));
  await until('the handlers', () => listed.current && !listed.current.state.loading);
  const mine = listed.current.state.handlers[handlerId];
  assert.equal(mine.status, 'completed');
  assert.deepEqual(mine.result.data, { result: { answer: 'ui-yes', approved: true } });
  assert.ok(Object.values(listed.current.state.handlers).every((h) => h.status === 'completed' && h.workflow_name === 'hitl'));
});

test('a failing run', async () => {
  const handler = await startRun('boom', {});
  let failure;
  const events = await handler.current.subscribeToEvents(
    { onError: (error) => (failure = error), onSuccess: () => assert.fail('onSuccess on a failing run') },
    { afterSequence: -1 },
  ).promise;
  assert.deepEqual(events.map((e) => e.type), ['WorkflowFailedEvent']);
  assert.equal(failure.message, 'scripted failure');
  await until('the failed state', () => handler.current.state.status === 'failed');
  assert.equal(handler.current.state.error, 'scripted failure');
});

test('a run cancelled by another client ends the stream, and the state says cancelled', async () => {
  const handler = await startRun('hitl', { name: 'Elsewhere' });
  const handlerId = handler.current.state.handler_id;
  const events = await handler.current.subscribeToEvents(
    {
      onData: async (event) => {
        if (event.type === 'AskEvent') {
          const response = await fetch(`${BASE_URL}/handlers/${handlerId}/cancel`, { method: 'POST' });
          assert.equal(response.status, 200);
        }
      },
      // no onCancel: 4.7.0's subscriber wrapper does not pass it on (the state is what an app reads)
    },
    { afterSequence: -1 },
  ).promise;
  assert.deepEqual(events.map((e) => e.type), ['ProgressEvent', 'AskEvent', 'WorkflowCancelledEvent']);
  assert.ok(ui.isStopEvent(events[2]));
  await until('the cancelled state', () => handler.current.state.status === 'cancelled');
});

test("a run cancelled through the subscription's cancel()", async () => {
  const handler = await startRun('slow', {});
  let cancel;
  const asked = new Promise((resolve) => {
    cancel = handler.current.subscribeToEvents({ onData: (event) => event.type === 'ProgressEvent' && resolve() }, {
      afterSequence: -1,
    }).cancel;
  });
  await asked;
  await cancel(); // closes the stream, then POST /handlers/{id}/cancel
  await handler.current.sync();
  await until('the cancelled state', () => handler.current.state.status === 'cancelled');
  assert.equal(handler.current.state.error, null);
  assert.equal(handler.current.state.loadingError, undefined);
});
