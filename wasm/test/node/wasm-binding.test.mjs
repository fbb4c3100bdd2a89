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

test('an encrypted database opens only with its passphrase', () => {
  const db = Database.openMemory(undefined, 'sync', 'correct horse');
  db.execute('CreateTable', JSON.stringify({
    TableName: 'secrets',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  db.execute('PutItem', JSON.stringify({ TableName: 'secrets', Item: { id: { S: 'k1' }, note: { S: 'top secret note' } } }));
  const image = db.exportFile();
  db.close();
  assert.ok(!Buffer.from(image).includes('top secret note'), 'plaintext in the encrypted file');

  const again = Database.openMemory(image, 'sync', 'correct horse');
  const got = JSON.parse(again.execute('GetItem', JSON.stringify({ TableName: 'secrets', Key: { id: { S: 'k1' } } })));
  assert.deepEqual(got.Item, { id: { S: 'k1' }, note: { S: 'top secret note' } });
  again.close();

  assert.throws(() => Database.openMemory(image, 'sync', 'wrong horse'), (error) => {
    assert.equal(error.name, 'InternalServerError');
    assert.match(error.message, /wrong passphrase/);
    return true;
  });
  assert.throws(() => Database.openMemory(image, 'sync'), /passphrase is required/);
});
