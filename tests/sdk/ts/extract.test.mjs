// @llamaindex/llama-cloud (the official TypeScript SDK), unmodified, against the fake: client.files,
// client.extract (create, get, list, cancel, delete, waitForCompletion, run) and project reads.
// The fake runs on a virtual clock whose jobs take 10 s (5 queued, 5 running): they move only when
// the test advances the clock.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';

import { ConflictError, LlamaCloud, NotFoundError, toFile } from '@llamaindex/llama-cloud';

import { API_KEY, startServer } from './fake-server.mjs';

const DEFAULT_PROJECT_ID = '00000000-0000-4000-8000-000000000001';
const INVOICE_TEXT = 'Vendor: Globex\nTotal: 1,250.00\nDate: 2024-01-15\n';
const SCHEMA = {
  type: 'object',
  required: ['vendor'],
  properties: { vendor: { type: 'string' }, total: { type: 'number' }, date: { type: 'string' } },
};
const GLOBEX = { vendor: 'Globex', total: 1250, date: '2024-01-15' };
const POLL = { pollingInterval: 0.02, backoff: 'constant' }; // the clock decides, not the wait

let server;
let client;

before(async () => {
  server = await startServer('--virtual-clock', '--job-duration', '10');
  client = new LlamaCloud({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

async function upload(project_id, name = 'invoice.txt', text = INVOICE_TEXT) {
  const file = await toFile(Buffer.from(text), name, { type: 'text/plain' });
  return client.files.create({ file, purpose: 'extract', project_id });
}

/** Advance the clock as soon as the project has a job (bounded: 30 s). */
async function advanceOnceCreated(project_id, seconds) {
  const deadline = Date.now() + 30_000;
  while ((await client.extract.list({ project_id })).items.length === 0) {
    assert.ok(Date.now() < deadline, 'no job was created');
    await sleep(10);
  }
  await server.advance(seconds);
}

test('upload a file, read it back and delete it', async () => {
  const project_id = randomUUID();
  const created = await upload(project_id);
  assert.match(created.id, /^dfl-/);
  assert.equal(created.name, 'invoice.txt');
  assert.equal(created.purpose, 'extract');
  assert.equal(created.file_type, 'txt');
  const retrieved = await client.files.retrieve(created.id, { project_id, expand: ['download_url'] });
  assert.equal(await (await fetch(retrieved.download_url.url)).text(), INVOICE_TEXT); // no token needed
  const listed = [];
  for await (const file of client.files.list({ project_id })) listed.push(file.id);
  assert.deepEqual(listed, [created.id]);
  await client.files.delete(created.id, { project_id });
  await assert.rejects(client.files.retrieve(created.id, { project_id }), NotFoundError);
});

test('create, poll through PENDING and RUNNING, then waitForCompletion', async () => {
  const project_id = randomUUID();
  const file = await upload(project_id);
  const job = await client.extract.create({
    file_input: file.id,
    project_id,
    configuration: { data_schema: SCHEMA, tier: 'agentic', confidence_scores: true },
  });
  assert.equal(job.status, 'PENDING');
  assert.equal(job.extract_result, null);
  await server.advance(5);
  assert.equal((await client.extract.get(job.id, { project_id })).status, 'RUNNING');
  await server.advance(5);
  const done = await client.extract.waitForCompletion(job.id, { project_id }, POLL);
  assert.equal(done.status, 'COMPLETED');
  assert.deepEqual(done.extract_result, GLOBEX);
  const vendor = done.extract_metadata.field_metadata.document_metadata.vendor; // no expand: confidence_scores
  assert.deepEqual(vendor.citation, [{ page: 1, matching_text: 'Vendor: Globex' }]);
  assert.ok(vendor.confidence >= 0.9 && vendor.confidence <= 0.99);
});

test('run creates and waits; a failed job throws PollingError', async () => {
  const project_id = randomUUID();
  const file = await upload(project_id);
  const [job] = await Promise.all([
    client.extract.run({ file_input: file.id, project_id, configuration: { data_schema: SCHEMA } }, POLL),
    advanceOnceCreated(project_id, 10),
  ]);
  assert.equal(job.status, 'COMPLETED');
  assert.deepEqual(job.extract_result, GLOBEX);

  const failing = randomUUID();
  const marked = await upload(failing, 'llamacloud-mock:fail.txt');
  const [outcome] = await Promise.allSettled([
    client.extract.run({ file_input: marked.id, project_id: failing, configuration: { data_schema: SCHEMA } }, POLL),
    advanceOnceCreated(failing, 10),
  ]);
  assert.equal(outcome.status, 'rejected');
  assert.equal(outcome.reason.name, 'PollingError');
  assert.match(outcome.reason.message, /failed with status: FAILED \| Error: Extraction failed: the file/);
});

test('cancel, list newest first, delete', async () => {
  const project_id = randomUUID();
  const file = await upload(project_id);
  const configuration = { data_schema: SCHEMA };
  const first = await client.extract.create({ file_input: file.id, project_id, configuration });
  const second = await client.extract.create({ file_input: file.id, project_id, configuration });
  const cancelled = await client.extract.cancel(second.id, { project_id });
  assert.equal(cancelled.status, 'CANCELLED');
  await assert.rejects(client.extract.cancel(second.id, { project_id }), ConflictError);
  await assert.rejects(
    client.extract.waitForCompletion(second.id, { project_id }, POLL),
    (error) => error.name === 'PollingError' && /CANCELLED/.test(error.message),
  );
  const ids = [];
  for await (const job of client.extract.list({ project_id, page_size: 1 })) ids.push(job.id);
  assert.deepEqual(ids, [second.id, first.id]);
  const cancelledOnly = [];
  for await (const job of client.extract.list({ project_id, status: 'CANCELLED' })) cancelledOnly.push(job.id);
  assert.deepEqual(cancelledOnly, [second.id]);
  await assert.rejects(client.extract.delete(first.id, { project_id }), ConflictError); // still PENDING
  // 2.16.0 has no `force` parameter: the query option carries it
  await client.extract.delete(first.id, {}, { query: { project_id, force: true } });
  await assert.rejects(client.extract.get(first.id, { project_id }), NotFoundError);
  await client.extract.delete(second.id, { project_id });
  await assert.rejects(client.extract.get(second.id, { project_id }), NotFoundError);
});

test('schemas and projects', async () => {
  const validated = await client.extract.validateSchema({ data_schema: SCHEMA });
  assert.deepEqual(validated.data_schema, SCHEMA);
  const generated = await client.extract.generateSchema({ prompt: 'the vendor, the total amount and the date' });
  assert.deepEqual(Object.keys(generated.parameters.data_schema.properties), ['vendor', 'total_amount', 'date']);
  const project = await client.projects.get(DEFAULT_PROJECT_ID);
  assert.equal(project.name, 'Default');
  assert.equal(project.is_default, true);
  const listed = [];
  for await (const item of client.v2Projects.list()) listed.push(item.id);
  assert.equal(listed[0], DEFAULT_PROJECT_ID);
});
