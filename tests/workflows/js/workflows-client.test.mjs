// @llamaindex/workflows-client 1.8.5, unmodified, against the target at $WORKFLOWS_BASE_URL (a deployment,
// http://127.0.0.1:PORT/deployments/wfdemo), started by tests/workflows/test_js_clients.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createClient,
  createConfig,
  getEventsByHandlerId,
  getHandlers,
  getHandlersByHandlerId,
  getHealth,
  getResultsByHandlerId,
  getWorkflows,
  getWorkflowsByNameEvents,
  getWorkflowsByNameRepresentation,
  getWorkflowsByNameSchema,
  postEventsByHandlerId,
  postHandlersByHandlerIdCancel,
  postWorkflowsByNameRun,
  postWorkflowsByNameRunNowait,
} from '@llamaindex/workflows-client';
import { BASE_URL, HITL_PUBLIC } from './target.mjs';

const client = createClient(createConfig({ baseUrl: BASE_URL }));
const ANSWER = { type: 'AnswerEvent', value: { response: 'yes' } };

/** The events of a handler's stream, from `afterSequence`; `onEvent` may act on each (answer, cancel). */
async function streamed(handlerId, { afterSequence = -1, onEvent = async () => {}, ...options } = {}) {
  const { stream } = await getEventsByHandlerId({
    client,
    path: { handler_id: handlerId },
    query: { sse: true, after_sequence: afterSequence },
    sseMaxRetryAttempts: 1,
    ...options,
  });
  const events = [];
  for await (const event of stream) {
    events.push(event);
    await onEvent(event);
  }
  return events;
}

async function startHitl(name) {
  const { data, response } = await postWorkflowsByNameRunNowait({
    client,
    path: { name: 'hitl' },
    body: { start_event: { name } },
  });
  assert.equal(response.status, 200);
  assert.equal(data.status, 'running');
  return data.handler_id;
}

test('health, workflows, schemas, graph', async () => {
  assert.deepEqual((await getHealth({ client })).data, { status: 'healthy' });
  assert.deepEqual((await getWorkflows({ client })).data, { workflows: ['hitl', 'echo', 'boom', 'slow'] });
  const { data: schema } = await getWorkflowsByNameSchema({ client, path: { name: 'hitl' } });
  assert.deepEqual(schema.start.required, ['name']);
  assert.equal(schema.start.properties.name.type, 'string');
  const { data: events } = await getWorkflowsByNameEvents({ client, path: { name: 'hitl' } });
  const titles = events.events.map((e) => e.title);
  assert.ok(titles.includes('AskEvent') && titles.includes('AnswerEvent'), titles.join());
  const { data: graph } = await getWorkflowsByNameRepresentation({ client, path: { name: 'hitl' } });
  assert.ok(graph.graph.nodes.some((node) => node.label === 'AskEvent'));
  const missing = await getWorkflowsByNameSchema({ client, path: { name: 'nope' } });
  assert.equal(missing.response.status, 404);
  assert.deepEqual(missing.error, { detail: 'Workflow not found' });
});

test('a synchronous run', async () => {
  const { data, response } = await postWorkflowsByNameRun({
    client,
    path: { name: 'echo' },
    body: { start_event: { text: 'from node' } },
  });
  assert.equal(response.status, 200);
  assert.equal(data.status, 'completed');
  assert.deepEqual(data.result.value, { result: 'from node' });
  assert.equal(data.result.type, 'StopEvent');
});

test('a full human-in-the-loop run', async () => {
  const handlerId = await startHitl('Node');
  const running = await getHandlersByHandlerId({ client, path: { handler_id: handlerId } });
  assert.equal(running.response.status, 202);
  assert.equal(running.data.status, 'running');
  const events = await streamed(handlerId, {
    onEvent: async (event) => {
      if (event.type !== 'AskEvent') return;
      const sent = await postEventsByHandlerId({ client, path: { handler_id: handlerId }, body: { event: ANSWER } });
      assert.deepEqual(sent.data, { status: 'sent' });
    },
  });
  assert.deepEqual(events.map((e) => e.type), HITL_PUBLIC);
  assert.deepEqual(events[0].value, { msg: 'hello Node', pct: 50 });
  assert.deepEqual(events[1].value, { prefix: 'Approve greeting for Node?' });
  assert.deepEqual(events[1].types, ['InputRequiredEvent']);
  assert.deepEqual(events[3].value, { result: { answer: 'yes', approved: true } });

  const done = await getHandlersByHandlerId({ client, path: { handler_id: handlerId } });
  assert.equal(done.response.status, 200);
  assert.equal(done.data.status, 'completed');
  assert.deepEqual(done.data.result.value, { result: { answer: 'yes', approved: true } });
  const flattened = await getResultsByHandlerId({ client, path: { handler_id: handlerId } });
  assert.deepEqual(flattened.data.result, { answer: 'yes', approved: true });
  const late = await postEventsByHandlerId({ client, path: { handler_id: handlerId }, body: { event: ANSWER } });
  assert.equal(late.response.status, 409);
  assert.deepEqual(late.error, { detail: 'Workflow already completed' });

  // the replay, and after the end: 204, which this client reports as a stream without a body
  assert.deepEqual((await streamed(handlerId)).map((e) => e.type), HITL_PUBLIC);
  const errors = [];
  assert.deepEqual(await streamed(handlerId, { afterSequence: 'now', onSseError: (e) => errors.push(e.message) }), []);
  assert.deepEqual(errors, ['No body in SSE response']);
});

test('a stream that drops reconnects with Last-Event-ID', async () => {
  const handlerId = await startHitl('Drop');
  const requests = [];
  const cutting = async (request) => {
    requests.push({ url: request.url, lastEventId: request.headers.get('last-event-id') });
    const response = await fetch(request);
    if (requests.length > 1) return response;
    // the first connection delivers one frame, then breaks
    const reader = response.body.getReader();
    let buffer = '';
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await reader.read();
        buffer += done ? '' : new TextDecoder().decode(value);
        const end = buffer.indexOf('\n\n');
        if (end >= 0 || done) {
          controller.enqueue(new TextEncoder().encode(buffer.slice(0, end + 2)));
          await reader.cancel();
          controller.error(new Error('connection dropped by the test'));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const events = await streamed(handlerId, {
    fetch: cutting,
    sseMaxRetryAttempts: 5,
    sseDefaultRetryDelay: 10,
    onEvent: async (event) => {
      if (event.type === 'AskEvent') {
        await postEventsByHandlerId({ client, path: { handler_id: handlerId }, body: { event: ANSWER } });
      }
    },
  });
  assert.deepEqual(events.map((e) => e.type), HITL_PUBLIC); // nothing lost, nothing twice
  assert.equal(requests[0].lastEventId, null);
  assert.match(requests[1].lastEventId, /^\d+$/);
});

test('a failing run', async () => {
  const run = await postWorkflowsByNameRun({ client, path: { name: 'boom' }, body: {} });
  assert.equal(run.response.status, 500);
  assert.equal(run.error.status, 'failed');
  assert.equal(run.error.error, 'scripted failure');
  assert.equal(run.error.result, null);
  const events = await streamed(run.error.handler_id);
  assert.deepEqual(events.map((e) => [e.type, e.types]), [['WorkflowFailedEvent', ['StopEvent']]]);
  const handler = await getHandlersByHandlerId({ client, path: { handler_id: run.error.handler_id } });
  assert.equal(handler.response.status, 500);
  assert.deepEqual(handler.error, run.error);
});

test('a cancelled run, then purged', async () => {
  const handlerId = await startHitl('Stop');
  const events = await streamed(handlerId, {
    onEvent: async (event) => {
      if (event.type !== 'AskEvent') return;
      const cancel = await postHandlersByHandlerIdCancel({ client, path: { handler_id: handlerId } });
      assert.deepEqual(cancel.data, { status: 'cancelled' });
    },
  });
  assert.deepEqual(events.map((e) => e.type), ['ProgressEvent', 'AskEvent', 'WorkflowCancelledEvent']);
  assert.deepEqual(events[2].value, {});
  const handler = await getHandlersByHandlerId({ client, path: { handler_id: handlerId } });
  assert.equal(handler.response.status, 500);
  assert.equal(handler.error.status, 'cancelled');
  const purge = await postHandlersByHandlerIdCancel({ client, path: { handler_id: handlerId }, query: { purge: true } });
  assert.deepEqual(purge.data, { status: 'deleted' });
  const gone = await getHandlersByHandlerId({ client, path: { handler_id: handlerId } });
  assert.equal(gone.response.status, 404);
  assert.deepEqual(gone.error, { detail: 'Handler not found' });
});

test('handlers filtered by status and workflow name', async () => {
  const waiting = await startHitl('Listed');
  const echo = (await postWorkflowsByNameRun({ client, path: { name: 'echo' }, body: { start_event: { text: 'l' } } }))
    .data.handler_id;
  const ours = new Set([waiting, echo]);
  const listed = async (query) => {
    const { data, response } = await getHandlers({ client, query });
    assert.equal(response.status, 200);
    return Object.fromEntries(data.handlers.filter((h) => ours.has(h.handler_id)).map((h) => [h.handler_id, h.status]));
  };
  assert.deepEqual(await listed({}), { [waiting]: 'running', [echo]: 'completed' });
  assert.deepEqual(await listed({ status: ['running', 'failed'] }), { [waiting]: 'running' });
  assert.deepEqual(await listed({ workflow_name: ['echo'], status: ['completed'] }), { [echo]: 'completed' });
  assert.deepEqual(await listed({ workflow_name: ['hitl', 'echo'] }), { [waiting]: 'running', [echo]: 'completed' });
  await postHandlersByHandlerIdCancel({ client, path: { handler_id: waiting }, query: { purge: true } });
});
