// A full storage is a QuotaExceededError, and the file still opens afterwards
// with every acknowledged write: the engine's file adapter over a JS object
// (what OPFS and the Node file give it) with a size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as wasm from '../../pkg/kstone.js';
import { openLocalBackend } from '../../js/local-backend.js';

wasm.initSync({ module: readFileSync(new URL('../../pkg/kstone_bg.wasm', import.meta.url)) });

/** A sync-access-handle-like file in memory that refuses to grow past `quota` bytes. */
function limitedFile(quota) {
  let bytes = new Uint8Array(0);
  const grow = (size) => {
    if (size > file.quota) {
      const error = new Error('the quota is exhausted');
      error.name = 'QuotaExceededError';
      throw error;
    }
    if (size > bytes.length) {
      const next = new Uint8Array(size);
      next.set(bytes);
      bytes = next;
    }
  };
  const file = {
    quota,
    read(buffer, { at }) {
      const n = Math.max(0, Math.min(buffer.length, bytes.length - at));
      buffer.set(bytes.subarray(at, at + n));
      return n;
    },
    write(buffer, { at }) {
      grow(at + buffer.length);
      bytes.set(buffer, at);
      return buffer.length;
    },
    getSize: () => bytes.length,
    truncate(size) {
      if (size > bytes.length) grow(size);
      else bytes = bytes.slice(0, size);
    },
    flush() {},
  };
  return file;
}

test('a full storage is a QuotaExceededError and loses no acknowledged write', async () => {
  const file = limitedFile(Infinity);
  let db = openLocalBackend(wasm, 'q', { file, durability: 'sync' });
  await db.send('CreateTable', {
    TableName: 'Tab', BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  });
  file.quota = file.getSize() + 256 * 1024;
  const acknowledged = [];
  let failure;
  for (let i = 0; i < 10_000 && !failure; i++) {
    try {
      await db.send('PutItem', { TableName: 'Tab', Item: { pk: { S: `k${i}` }, v: { S: 'x'.repeat(500) } } });
      acknowledged.push(`k${i}`);
    } catch (error) {
      failure = error;
    }
  }
  assert.ok(failure, 'the quota was reached');
  assert.equal(failure.name, 'QuotaExceededError', failure.message);
  assert.ok(failure instanceof Error);
  assert.ok(acknowledged.length > 100, `${acknowledged.length} writes before the quota`);
  await db.close().catch(() => {}); // may fail too: the storage is still full

  file.quota = Infinity; // space freed
  db = openLocalBackend(wasm, 'q', { file, durability: 'sync' });
  for (const pk of acknowledged) {
    const { Item } = await db.send('GetItem', { TableName: 'Tab', Key: { pk: { S: pk } } });
    assert.ok(Item, `${pk} survived`);
  }
  await db.send('PutItem', { TableName: 'Tab', Item: { pk: { S: 'after' } } });
  await db.close();
});
