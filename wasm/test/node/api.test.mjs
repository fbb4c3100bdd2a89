// The package's whole JavaScript API, imported by its name (the exports map's
// "node" condition), in memory and on a Node file: every operation of the
// document API and `send`, and the errors each path reports.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, deleteDatabase, NumberValue, DatabaseLockedError, engineVersion } from 'keystonedb';

const dir = mkdtempSync(join(tmpdir(), 'kstone-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const modes = {
  memory: () => open(`m${++counter}`, { storage: 'memory' }),
  node: () => open(`n${++counter}`, { storage: 'node', path: join(dir, `n${counter}.keystone`) }),
};

/** `fn` rejects with an Error of this name (and a message matching `message`). */
async function rejects(fn, name, message) {
  await assert.rejects(fn, (error) => {
    assert.ok(error instanceof Error, 'an Error');
    assert.equal(error.name, name, `name (message: ${error.message})`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

async function withTable(make) {
  const db = await make();
  await db.createTable('Tab', { pk: 'S', sk: 'N' });
  return db;
}

for (const [mode, make] of Object.entries(modes)) {
  describe(`${mode} storage`, () => {
    test('createTable, put, get, update, delete', async () => {
      const db = await make();
      const table = await db.createTable('Tab', { pk: 'S', sk: 'N' });
      assert.equal(table.TableName, 'Tab');
      assert.deepEqual(await db.listTables(), ['Tab']);
      assert.equal((await db.describeTable('Tab')).TableStatus, 'ACTIVE');

      const item = {
        pk: 'a', sk: 1, name: 'Ada', age: 36, admin: true, none: null,
        tags: new Set(['x', 'y']), scores: new Set([1, 2.5]), blob: new Uint8Array([0, 1, 255]),
        bins: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
        list: [1, 'two', { three: 3 }], map: { nested: { deep: [true] } },
      };
      assert.equal(await db.put('Tab', item), undefined);
      assert.deepEqual(await db.get('Tab', { pk: 'a', sk: 1 }), item);
      assert.equal(await db.get('Tab', { pk: 'a', sk: 2 }), undefined);

      const updated = await db.update('Tab', { pk: 'a', sk: 1 }, {
        UpdateExpression: 'SET age = age + :one, #n = :n',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':one': 1, ':n': 'Ada L.' },
        ReturnValues: 'UPDATED_NEW',
      });
      assert.deepEqual(updated, { age: 37, name: 'Ada L.' });

      const old = await db.put('Tab', { pk: 'a', sk: 1, v: 2 }, { ReturnValues: 'ALL_OLD' });
      assert.equal(old.name, 'Ada L.');
      assert.deepEqual(await db.delete('Tab', { pk: 'a', sk: 1 }, { ReturnValues: 'ALL_OLD' }), { pk: 'a', sk: 1, v: 2 });
      assert.equal(await db.get('Tab', { pk: 'a', sk: 1 }), undefined);
      assert.equal((await db.deleteTable('Tab')).TableName, 'Tab');
      assert.deepEqual(await db.listTables(), []);
      await db.close();
    });

    test('createTable with a full request', async () => {
      const db = await make();
      await db.createTable({
        TableName: 'Full',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
      await db.put('Full', { id: 7 });
      assert.deepEqual(await db.get('Full', { id: 7 }), { id: 7 });
      await db.close();
    });

    test('query and scan page for you', async () => {
      const db = await withTable(make);
      await db.batchWrite({ Tab: Array.from({ length: 60 }, (_, i) => ({ PutRequest: { Item: { pk: i % 2 ? 'odd' : 'even', sk: i } } })) });
      const odd = [];
      for await (const item of db.query('Tab', {
        KeyConditionExpression: 'pk = :p AND sk > :min',
        ExpressionAttributeValues: { ':p': 'odd', ':min': 10 },
        Limit: 4,
      })) odd.push(item.sk);
      assert.deepEqual(odd, Array.from({ length: 30 }, (_, i) => 2 * i + 1).filter((n) => n > 10));

      const pages = [];
      for await (const page of db.query('Tab', { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'even' }, Limit: 7 }).pages()) {
        pages.push(page);
      }
      assert.equal(pages.reduce((n, p) => n + p.Items.length, 0), 30);
      assert.ok(pages.length >= 5, `${pages.length} pages`);
      assert.deepEqual(pages[0].LastEvaluatedKey, { pk: 'even', sk: 12 });

      const backwards = await db.query('Tab', {
        KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'even' }, ScanIndexForward: false,
      }).all();
      assert.equal(backwards[0].sk, 58);

      const all = await db.scan('Tab', { Limit: 9 }).all();
      assert.equal(all.length, 60);
      const filtered = await db.scan('Tab', { FilterExpression: 'sk < :n', ExpressionAttributeValues: { ':n': 5 } }).all();
      assert.deepEqual(filtered.map((i) => i.sk).sort((a, b) => a - b), [0, 1, 2, 3, 4]);
      // Stopping early stops paging.
      let seen = 0;
      for await (const _ of db.scan('Tab', { Limit: 2 })) if (++seen === 3) break;
      assert.equal(seen, 3);
      await db.close();
    });

    test('batchGet and batchWrite split and reassemble large batches', async () => {
      const db = await withTable(make);
      await db.batchWrite({ Tab: Array.from({ length: 130 }, (_, i) => ({ PutRequest: { Item: { pk: 'b', sk: i, v: `v${i}` } } })) });
      const keys = Array.from({ length: 130 }, (_, i) => ({ pk: 'b', sk: i }));
      const got = await db.batchGet({ Tab: { Keys: keys } });
      assert.equal(got.Tab.length, 130);
      assert.deepEqual(got.Tab.map((i) => i.sk).sort((a, b) => a - b), keys.map((k) => k.sk));
      const projected = await db.batchGet({ Tab: { Keys: keys.slice(0, 3), ProjectionExpression: 'v' } });
      assert.deepEqual(projected.Tab.map((i) => Object.keys(i)), [['v'], ['v'], ['v']]);
      await db.batchWrite({ Tab: keys.slice(0, 100).map((Key) => ({ DeleteRequest: { Key } })) });
      assert.equal((await db.scan('Tab').all()).length, 30);
      await db.close();
    });

    test('transactWrite and transactGet', async () => {
      const db = await withTable(make);
      await db.transactWrite([
        { Put: { TableName: 'Tab', Item: { pk: 't', sk: 1, n: 1 } } },
        { Put: { TableName: 'Tab', Item: { pk: 't', sk: 2, n: 2 } } },
        { Put: { TableName: 'Tab', Item: { pk: 't', sk: 3, n: 3 } } },
      ]);
      await db.transactWrite([
        { Update: { TableName: 'Tab', Key: { pk: 't', sk: 1 }, UpdateExpression: 'SET n = n + :d', ExpressionAttributeValues: { ':d': 10 } } },
        { Delete: { TableName: 'Tab', Key: { pk: 't', sk: 2 } } },
        { ConditionCheck: { TableName: 'Tab', Key: { pk: 't', sk: 3 }, ConditionExpression: 'attribute_exists(pk)' } },
      ]);
      const got = await db.transactGet([
        { Get: { TableName: 'Tab', Key: { pk: 't', sk: 1 } } },
        { Get: { TableName: 'Tab', Key: { pk: 't', sk: 2 } } },
      ]);
      assert.deepEqual(got, [{ pk: 't', sk: 1, n: 11 }, undefined]);
      await db.close();
    });

    test('a cancelled transaction reports why, per action', async () => {
      const db = await withTable(make);
      await db.put('Tab', { pk: 'c', sk: 1, n: 1 });
      await assert.rejects(
        db.transactWrite([
          { Put: { TableName: 'Tab', Item: { pk: 'c', sk: 2 } } },
          {
            Update: {
              TableName: 'Tab', Key: { pk: 'c', sk: 1 }, UpdateExpression: 'SET n = :n',
              ConditionExpression: 'n = :old', ExpressionAttributeValues: { ':n': 5, ':old': 99 },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ]),
        (error) => {
          assert.equal(error.name, 'TransactionCanceledException');
          assert.match(error.message, /ConditionalCheckFailed/);
          assert.equal(error.cancellationReasons.length, 2);
          assert.equal(error.cancellationReasons[0].Code, 'None');
          assert.equal(error.cancellationReasons[1].Code, 'ConditionalCheckFailed');
          assert.deepEqual(error.cancellationReasons[1].Item, { pk: { S: 'c' }, sk: { N: '1' }, n: { N: '1' } });
          return true;
        },
      );
      assert.equal(await db.get('Tab', { pk: 'c', sk: 2 }), undefined);
      await db.close();
    });

    test('partiql with parameters', async () => {
      const db = await withTable(make);
      await db.partiql(`INSERT INTO "Tab" VALUE {'pk': ?, 'sk': ?, 'v': ?}`, ['p', 1, new Set(['a'])]);
      await db.partiql(`UPDATE "Tab" SET v2 = ? WHERE pk = ? AND sk = ?`, [42, 'p', 1]);
      const rows = await db.partiql(`SELECT * FROM "Tab" WHERE pk = ?`, ['p']);
      assert.deepEqual(rows, [{ pk: 'p', sk: 1, v: new Set(['a']), v2: 42 }]);
      assert.deepEqual(await db.partiql(`SELECT * FROM "Tab" WHERE pk = 'nobody'`), []);
      await rejects(() => db.partiql('SELEKT * FROM "Tab"'), 'ValidationException');
      await db.close();
    });

    test('lossless numbers: bigint and NumberValue in, wrapNumbers out', async () => {
      const db = await make();
      await db.createTable('Num', { id: 'S' });
      const big = '12345678901234567890123456789012345678';
      await db.put('Num', { id: 'x', exact: new NumberValue(big), int: 2n ** 64n, small: 0.1, set: new Set([new NumberValue('1.000000000000000000001')]) });
      const plain = await db.get('Num', { id: 'x' });
      assert.equal(plain.int, 2n ** 64n);
      assert.equal(typeof plain.exact, 'bigint');
      assert.equal(plain.small, 0.1);
      await db.close();

      const wrapping = await open(`w${++counter}`, {
        storage: 'memory', from: await (async () => {
          const d = await make();
          await d.createTable('Num', { id: 'S' });
          await d.put('Num', { id: 'x', exact: new NumberValue(big), frac: new NumberValue('0.12345678901234567890123') });
          const bytes = await d.export();
          await d.close();
          return bytes;
        })(),
        unmarshallOptions: { wrapNumbers: true },
      });
      const wrapped = await wrapping.get('Num', { id: 'x' });
      assert.ok(wrapped.exact instanceof NumberValue);
      assert.equal(wrapped.exact.toString(), big);
      assert.equal(String(wrapped.frac), '0.12345678901234567890123');
      await wrapping.close();
    });

    test('send speaks DynamoDB JSON', async () => {
      const db = await withTable(make);
      assert.deepEqual(await db.send('PutItem', { TableName: 'Tab', Item: { pk: { S: 's' }, sk: { N: '1' }, b: { B: 'AAH/' } } }), {});
      const { Item } = await db.send('GetItem', { TableName: 'Tab', Key: { pk: { S: 's' }, sk: { N: '1' } } });
      assert.deepEqual(Item, { pk: { S: 's' }, sk: { N: '1' }, b: { B: 'AAH/' } });
      assert.deepEqual(await db.get('Tab', { pk: 's', sk: 1 }), { pk: 's', sk: 1, b: new Uint8Array([0, 1, 255]) });
      await db.close();
    });

    test('export, import and stats', async () => {
      const db = await withTable(make);
      for (let i = 0; i < 20; i++) await db.put('Tab', { pk: 'e', sk: i, data: 'x'.repeat(100) });
      const stats = await db.stats();
      assert.ok(stats.seqno >= 21, `seqno ${stats.seqno}`);
      assert.ok(stats.fileBytes > 0);
      assert.ok(Array.isArray(stats.sstsPerLevel));
      const bytes = await db.export();
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, (await db.stats()).fileBytes, 'the export is the whole file');
      await db.close();

      const copy = await open(`copy${++counter}`, { storage: 'memory', from: bytes });
      assert.equal((await copy.scan('Tab').all()).length, 20);
      await copy.close();
      const path = join(dir, `imported${counter}.keystone`);
      const onDisk = await open('imported', { storage: 'node', path, from: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
      assert.deepEqual(await onDisk.get('Tab', { pk: 'e', sk: 19 }), { pk: 'e', sk: 19, data: 'x'.repeat(100) });
      await onDisk.close();
      // Importing over an existing database is refused.
      await rejects(() => open('imported', { storage: 'node', path, from: bytes }), 'ResourceInUseException', /already holds a database/);
    });

    test('DynamoDB errors come back with their names', async () => {
      const db = await withTable(make);
      await rejects(() => db.get('Nope', { pk: 'a', sk: 1 }), 'ResourceNotFoundException');
      await rejects(() => db.createTable('Tab', { pk: 'S' }), 'ResourceInUseException');
      await rejects(() => db.get('Tab', { pk: 'a' }), 'ValidationException');
      await rejects(() => db.put('Tab', { pk: 'a', sk: 'not a number' }), 'ValidationException');
      await rejects(() => db.send('NoSuchOperation', {}), 'UnknownOperationException', /NoSuchOperation/);
      await rejects(() => db.send('GetItem', { TableName: 'Tab', Key: { pk: { X: 'a' } } }), 'ValidationException', /AttributeValue/);
      await rejects(() => db.send('GetItem', { TableName: 'Tab', Key: 'not a map' }), 'SerializationException');
      await db.put('Tab', { pk: 'a', sk: 1, n: 1 });
      await assert.rejects(
        () => db.put('Tab', { pk: 'a', sk: 1 }, {
          ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        (error) => {
          assert.equal(error.name, 'ConditionalCheckFailedException');
          assert.equal(error.type, 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException');
          assert.deepEqual(error.item, { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1' } });
          return true;
        },
      );
      await rejects(() => db.update('Tab', { pk: 'a', sk: 1 }, { UpdateExpression: 'SET' }), 'ValidationException');
      await rejects(() => db.createTable('Three', { a: 'S', b: 'S', c: 'S' }), 'ValidationException');
      // Values the marshaller refuses.
      await rejects(() => db.put('Tab', { pk: 'a', sk: 1, bad: undefined }), 'ValidationException', /removeUndefinedValues/);
      await rejects(() => db.put('Tab', { pk: 'a', sk: 1, bad: new Set() }), 'ValidationException', /non-empty set/);
      await rejects(() => db.put('Tab', { pk: 'a', sk: 1, bad: NaN }), 'ValidationException', /NaN/);
      await rejects(() => db.put('Tab', { pk: 'a', sk: 1, bad: 2 ** 60 }), 'ValidationException', /MAX_SAFE_INTEGER/);
      await rejects(() => db.put('Tab', { pk: 'a', sk: 1, bad: new (class X {})() }), 'ValidationException', /convertClassInstanceToMap/);
      await db.close();
    });

    test('a closed database refuses calls; closing twice is harmless', async () => {
      const db = await withTable(make);
      await db.close();
      await db.close();
      await rejects(() => db.get('Tab', { pk: 'a', sk: 1 }), 'InternalServerError', /closed/);
      await rejects(() => db.export(), 'InternalServerError', /closed/);
      await rejects(() => db.stats(), 'InternalServerError', /closed/);
    });
  });
}

describe('open and deleteDatabase', () => {
  test('bad options are ValidationExceptions', async () => {
    await rejects(() => open('', { storage: 'memory' }), 'ValidationException', /name/);
    await rejects(() => open('x', { storage: 'cloud' }), 'ValidationException', /storage/);
    await rejects(() => open('x', { storage: 'opfs' }), 'ValidationException', /browser/);
    await rejects(() => open('x', { storage: 'memory', durability: 'eventually' }), 'ValidationException', /durability/);
    await rejects(() => open('x', { storage: 'memory', from: 'not bytes' }), 'ValidationException', /from/);
    await rejects(() => open('x', { storage: 'memory', from: new Uint8Array(8192).fill(7) }), 'InternalServerError', /not a KeystoneDB database/);
  });

  test('a file open twice is a DatabaseLockedError; deleteDatabase removes it', async () => {
    const path = join(dir, 'locked.keystone');
    const db = await open('locked', { path });
    await db.createTable('Tab', { pk: 'S' });
    await rejects(() => open('locked', { path }), 'DatabaseLockedError');
    await assert.rejects(() => deleteDatabase('locked', { path }), DatabaseLockedError);
    await db.close();
    const again = await open('locked', { path });
    assert.deepEqual(await again.listTables(), ['Tab']);
    await again.close();
    await deleteDatabase('locked', { path });
    assert.equal(existsSync(path), false);
    await deleteDatabase('locked', { path }); // already gone: fine
    await deleteDatabase('whatever', { storage: 'memory' });
  });

  test('node storage keeps data across reopen, in every durability mode', async () => {
    for (const durability of ['sync', 'group', 'none']) {
      const path = join(dir, `durable-${durability}.keystone`);
      const db = await open('d', { path, durability });
      await db.createTable('Tab', { pk: 'S' });
      for (let i = 0; i < 50; i++) await db.put('Tab', { pk: `k${i}`, i });
      await db.close();
      const reopened = await open('d', { path, durability });
      assert.equal((await reopened.scan('Tab').all()).length, 50, durability);
      assert.equal((await reopened.stats()).replayedBatches, 0, 'a clean close leaves nothing to replay');
      await reopened.close();
    }
  });

  test('engineVersion', async () => {
    assert.match(await engineVersion(), /^\d+\.\d+\.\d+/);
  });
});
