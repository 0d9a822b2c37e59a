// @llamaindex/llama-cloud (the official TypeScript SDK), unmodified, against the fake: client.beta.agentData.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { LlamaCloud, NotFoundError, UnprocessableEntityError } from '@llamaindex/llama-cloud';

import { API_KEY, startServer } from './fake-server.mjs';

const DEFAULT_PROJECT_ID = '00000000-0000-4000-8000-000000000001';
// the people of tests/sdk/sdk_data.py, created in this order
const PEOPLE = [
  { name: 'bob', age: 45, status: 'inactive', tags: ['go'], department: 'Sales' },
  { name: 'alice', age: 30, status: 'active', tags: ['python', 'ml'], department: 'Sales' },
  { name: 'carol', age: 21, status: 'active', tags: ['ml'], department: 'Engineering' },
  { name: 'dave', age: 65, status: 'active', tags: [], department: 'Engineering' },
  { name: 'erin', age: 17, status: 'pending', tags: ['python'], department: 'Sales' },
  { name: 'frank', age: 70, status: 'inactive', tags: ['rust'], department: 'Support' },
];

let server;
let client;

before(async () => {
  server = await startServer();
  client = new LlamaCloud({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

const deployment = () => `ts-${randomUUID().slice(0, 8)}`;

async function createPeople(deployment_name) {
  const records = [];
  for (const person of PEOPLE) {
    records.push(await client.beta.agentData.create({ data: person, deployment_name, collection: 'people' }));
  }
  return records;
}

async function names(pages) {
  const found = [];
  for await (const record of pages) found.push(record.data.name);
  return found;
}

test('create, get, update and delete a record', async () => {
  const deployment_name = deployment();
  const created = await client.beta.agentData.create({ data: { name: 'John Doe', age: 30 }, deployment_name });
  assert.equal(created.deployment_name, deployment_name);
  assert.equal(created.collection, 'default');
  assert.equal(created.project_id, DEFAULT_PROJECT_ID);
  assert.deepEqual(created.data, { name: 'John Doe', age: 30 });
  assert.equal(created.created_at, created.updated_at);
  assert.deepEqual(await client.beta.agentData.get(created.id), created);

  const updated = await client.beta.agentData.update(created.id, { data: { name: 'Jane' } });
  assert.deepEqual(updated.data, { name: 'Jane' });
  assert.equal(updated.created_at, created.created_at);
  assert.ok(updated.updated_at > created.updated_at);

  assert.deepEqual(await client.beta.agentData.delete(created.id), {});
  await assert.rejects(client.beta.agentData.get(created.id), (error) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.status, 404);
    assert.equal(error.error.detail, `Agent data '${created.id}' not found`);
    return true;
  });
});

test('records live in their project', async () => {
  const deployment_name = deployment();
  const project_id = randomUUID();
  const record = await client.beta.agentData.create({ data: { x: 1 }, deployment_name, project_id });
  assert.equal(record.project_id, project_id);
  await assert.rejects(client.beta.agentData.get(record.id, { project_id: randomUUID() }), NotFoundError);
  assert.equal((await client.beta.agentData.get(record.id, { project_id })).id, record.id);
});

test('search filters, sorts and pages', async () => {
  const deployment_name = deployment();
  await createPeople(deployment_name);
  const scope = { deployment_name, collection: 'people' };
  assert.deepEqual(
    await names(client.beta.agentData.search({ ...scope, filter: { status: { eq: 'active' } }, order_by: 'data.name' })),
    ['alice', 'carol', 'dave'],
  );
  assert.deepEqual(
    await names(
      client.beta.agentData.search({ ...scope, filter: { age: { gte: 21, lt: 65 } }, order_by: 'data.age desc' }),
    ),
    ['bob', 'alice', 'carol'],
  );
  assert.deepEqual(
    (await names(client.beta.agentData.search({ ...scope, filter: { tags: { includes: ['python', 'ml'] } } }))).sort(),
    ['alice', 'carol', 'erin'],
  );
  assert.deepEqual(
    (await names(client.beta.agentData.search({ ...scope, filter: { tags: { excludes: ['python', 'ml'] } } }))).sort(),
    ['bob', 'dave', 'frank'],
  );
  // newest first by default, two per page: the SDK follows next_page_token
  const page = await client.beta.agentData.search({ ...scope, page_size: 2 });
  assert.deepEqual(page.items.map((record) => record.data.name), ['frank', 'erin']);
  assert.ok(page.hasNextPage());
  assert.deepEqual(await names(client.beta.agentData.search({ ...scope, page_size: 2 })), [
    'frank', 'erin', 'dave', 'carol', 'alice', 'bob',
  ]);
});

test('aggregate counts groups', async () => {
  const deployment_name = deployment();
  await createPeople(deployment_name);
  const groups = [];
  for await (const group of client.beta.agentData.aggregate({
    deployment_name,
    collection: 'people',
    group_by: ['department'],
    count: true,
    first: true,
  })) {
    groups.push([group.group_key, group.count, group.first_item.name]);
  }
  assert.deepEqual(groups, [
    [{ department: 'Engineering' }, 2, 'carol'],
    [{ department: 'Sales' }, 3, 'bob'],
    [{ department: 'Support' }, 1, 'frank'],
  ]);
});

test('delete by query, and a bad filter is a 422', async () => {
  const deployment_name = deployment();
  await createPeople(deployment_name);
  const scope = { deployment_name, collection: 'people' };
  const deleted = await client.beta.agentData.deleteByQuery({ ...scope, filter: { status: { eq: 'inactive' } } });
  assert.equal(deleted.deleted_count, 2);
  assert.deepEqual((await names(client.beta.agentData.search(scope))).sort(), ['alice', 'carol', 'dave', 'erin']);
  await assert.rejects(
    client.beta.agentData.search({ ...scope, filter: { age: { like: 3 } } }).then((page) => page.items),
    (error) => {
      assert.ok(error instanceof UnprocessableEntityError);
      assert.deepEqual(error.error.detail[0].loc, ['body', 'filter', 'age', 'like']);
      return true;
    },
  );
});
