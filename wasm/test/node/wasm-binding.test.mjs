// The raw wasm-bindgen binding, loaded in Node from the same files the
// browser uses (wasm/pkg, built by `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initSync, Database, engineVersion } from '../../pkg/kstone.js';

initSync({ module: readFileSync(new URL('../../pkg/kstone_bg.wasm', import.meta.url)) });

test('reports the engine version', () => {
  assert.match(engineVersion(), /^\d+\.\d+\.\d+/);
});

test('an unknown operation throws an Error named after the DynamoDB exception', () => {
  const db = Database.openMemory();
  assert.throws(() => db.execute('NoSuchOperation', '{}'), (error) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'UnknownOperationException');
    assert.equal(error.type, 'com.amazonaws.dynamodb.v20120810#UnknownOperationException');
    assert.match(error.message, /NoSuchOperation/);
    return true;
  });
});

test('a request that is not JSON is a SerializationException', () => {
  const db = Database.openMemory();
  assert.throws(() => db.execute('GetItem', '{not json'), { name: 'SerializationException' });
});
