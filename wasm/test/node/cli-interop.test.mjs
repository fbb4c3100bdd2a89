// A database file is the same file whichever door wrote it: a .keystone file
// written by the package in Node opens in the native kstone CLI, and one the
// CLI wrote opens in Node (KSTONE_BIN, built by scripts/test.sh).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'keystonedb';

const root = new URL('../../../', import.meta.url).pathname;
const bin = process.env.KSTONE_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'kstone');
const dir = mkdtempSync(join(tmpdir(), 'kstone-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const kstone = (args, input) => execFileSync(bin, args, { input, encoding: 'utf8' });

test('the kstone CLI is built', () => {
  assert.ok(existsSync(bin), `${bin} is missing: run cargo build -p kstone-cli (scripts/test.sh node does)`);
});

test('a file written from Node opens in the CLI', async () => {
  const path = join(dir, 'from-node.keystone');
  const db = await open('from-node', { path });
  await db.createTable('default', { pk: 'S' });
  await db.createTable('orders', { customer: 'S', placed: 'N' });
  await db.put('default', { pk: 'user#1', name: 'Alice', age: 30, tags: new Set(['a']) });
  for (let i = 0; i < 200; i++) await db.put('orders', { customer: 'c1', placed: i, total: i * 1.5 });
  await db.close();

  const got = JSON.parse(kstone(['get', path, 'user#1']));
  assert.equal(got.name, 'Alice');
  assert.equal(got.age, 30);
  const response = JSON.parse(kstone(['request', path, 'Query'], JSON.stringify({
    TableName: 'orders', KeyConditionExpression: 'customer = :c AND placed >= :p',
    ExpressionAttributeValues: { ':c': { S: 'c1' }, ':p': { N: '195' } },
  })));
  assert.equal(response.Count, 5);
  assert.deepEqual(response.Items[0].total, { N: '292.5' });
});

test('a file written by the CLI opens in Node', async () => {
  const path = join(dir, 'from-cli.keystone');
  kstone(['create', path]);
  kstone(['put', path, 'user#2', '{"name":"Bob","n":12345678901234567890}']);
  kstone(['create-table', path, 'events', '--pk', 'id:S', '--sk', 'at:N']);
  kstone(['request', path, 'PutItem'], JSON.stringify({ TableName: 'events', Item: { id: { S: 'e' }, at: { N: '1' }, b: { B: 'AQID' } } }));

  const db = await open('from-cli', { path });
  const bob = await db.get('default', { pk: 'user#2' });
  assert.equal(bob.name, 'Bob');
  assert.equal(bob.n, 12345678901234567890n);
  assert.deepEqual(await db.get('events', { id: 'e', at: 1 }), { id: 'e', at: 1, b: new Uint8Array([1, 2, 3]) });
  // Written to by Node, then read by the CLI again.
  await db.put('events', { id: 'e', at: 2, from: 'node' });
  await db.close();
  const response = JSON.parse(kstone(['request', path, 'GetItem'], JSON.stringify({ TableName: 'events', Key: { id: { S: 'e' }, at: { N: '2' } } })));
  assert.deepEqual(response.Item.from, { S: 'node' });
});

test('an export of an in-memory database opens in the CLI', async () => {
  const db = await open('exported', { storage: 'memory' });
  await db.createTable('default', { pk: 'S' });
  await db.put('default', { pk: 'k', v: 'exported' });
  const path = join(dir, 'exported.keystone');
  writeFileSync(path, await db.export());
  await db.close();
  assert.equal(JSON.parse(kstone(['get', path, 'k'])).v, 'exported');
});
