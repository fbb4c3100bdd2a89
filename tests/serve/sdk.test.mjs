// `kstone serve` driven by the real AWS SDK for JavaScript v3: what a user's
// code does against DynamoDB must work unchanged against the local endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, ListTablesCommand, PutItemCommand,
  GetItemCommand, UpdateItemCommand, DeleteItemCommand, QueryCommand, ScanCommand,
  BatchWriteItemCommand, BatchGetItemCommand, TransactWriteItemsCommand, TransactGetItemsCommand,
  ExecuteStatementCommand, DeleteTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, GetCommand, QueryCommand as DocQuery, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { startServer, endpointFrom } from './server.mjs';

function client(endpoint, credentials = { accessKeyId: 'local', secretAccessKey: 'local' }) {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

let server;
let ddb;

before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
});

after(async () => {
  ddb?.destroy();
  await server?.stop();
});

test('tables: create, describe, list, delete', async () => {
  const created = await ddb.send(new CreateTableCommand({
    TableName: 'Tables1',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  assert.equal(created.TableDescription.TableName, 'Tables1');
  const described = await ddb.send(new DescribeTableCommand({ TableName: 'Tables1' }));
  assert.equal(described.Table.TableStatus, 'ACTIVE');
  const listed = await ddb.send(new ListTablesCommand({}));
  assert.ok(listed.TableNames.includes('Tables1'));
  await assert.rejects(
    ddb.send(new CreateTableCommand({
      TableName: 'Tables1',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })),
    { name: 'ResourceInUseException' },
  );
  await ddb.send(new DeleteTableCommand({ TableName: 'Tables1' }));
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: 'Tables1' })), { name: 'ResourceNotFoundException' });
});

async function table(name) {
  await ddb.send(new CreateTableCommand({
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}

test('items: put, get, update with ReturnValues, conditional failure, delete', async () => {
  await table('Items1');
  await ddb.send(new PutItemCommand({ TableName: 'Items1', Item: { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1.50' } } }));
  const got = await ddb.send(new GetItemCommand({ TableName: 'Items1', Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
  assert.deepEqual(got.Item, { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1.5' } });
  const updated = await ddb.send(new UpdateItemCommand({
    TableName: 'Items1', Key: { pk: { S: 'a' }, sk: { N: '1' } },
    UpdateExpression: 'SET n = n + :one, tags = :t', ExpressionAttributeValues: { ':one': { N: '1' }, ':t': { SS: ['x'] } },
    ReturnValues: 'UPDATED_NEW',
  }));
  assert.deepEqual(updated.Attributes, { n: { N: '2.5' }, tags: { SS: ['x'] } });
  await assert.rejects(
    ddb.send(new PutItemCommand({
      TableName: 'Items1', Item: { pk: { S: 'a' }, sk: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)',
    })),
    (e) => e.name === 'ConditionalCheckFailedException' && e.$metadata.httpStatusCode === 400,
  );
  const deleted = await ddb.send(new DeleteItemCommand({ TableName: 'Items1', Key: { pk: { S: 'a' }, sk: { N: '1' } }, ReturnValues: 'ALL_OLD' }));
  assert.equal(deleted.Attributes.n.N, '2.5');
  await assert.rejects(ddb.send(new GetItemCommand({ TableName: 'Nope', Key: { pk: { S: 'a' } } })), { name: 'ResourceNotFoundException' });
  await assert.rejects(ddb.send(new PutItemCommand({ TableName: 'Items1', Item: { pk: { S: 'a' } } })), { name: 'ValidationException' });
});

test('query and scan page with Limit and ExclusiveStartKey', async () => {
  await table('Paged');
  const items = [];
  for (let i = 0; i < 25; i++) items.push({ PutRequest: { Item: { pk: { S: 'p' }, sk: { N: String(i) }, odd: { BOOL: i % 2 === 1 } } } });
  for (let i = 0; i < items.length; i += 25) {
    const r = await ddb.send(new BatchWriteItemCommand({ RequestItems: { Paged: items.slice(i, i + 25) } }));
    assert.deepEqual(r.UnprocessedItems, {});
  }
  const seen = [];
  let start;
  do {
    const page = await ddb.send(new QueryCommand({
      TableName: 'Paged', KeyConditionExpression: 'pk = :p AND sk >= :lo', ExpressionAttributeValues: { ':p': { S: 'p' }, ':lo': { N: '5' } },
      Limit: 7, ExclusiveStartKey: start, ScanIndexForward: false,
    }));
    seen.push(...page.Items.map((it) => Number(it.sk.N)));
    start = page.LastEvaluatedKey;
  } while (start);
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => 24 - i));
  const filtered = await ddb.send(new ScanCommand({ TableName: 'Paged', FilterExpression: 'odd = :t', ExpressionAttributeValues: { ':t': { BOOL: true } } }));
  assert.equal(filtered.Count, 12);
  assert.equal(filtered.ScannedCount, 25);
  const counted = await ddb.send(new QueryCommand({ TableName: 'Paged', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, Select: 'COUNT' }));
  assert.equal(counted.Count, 25);
});

test('batch get and transactions, with cancellation reasons', async () => {
  await table('Txns');
  await ddb.send(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: 'Txns', Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '1' } } } },
      { Put: { TableName: 'Txns', Item: { pk: { S: 'b' }, sk: { N: '1' }, v: { N: '2' } } } },
    ],
  }));
  const got = await ddb.send(new BatchGetItemCommand({ RequestItems: { Txns: { Keys: [{ pk: { S: 'a' }, sk: { N: '1' } }, { pk: { S: 'b' }, sk: { N: '1' } }] } } }));
  assert.equal(got.Responses.Txns.length, 2);
  await assert.rejects(
    ddb.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Update: { TableName: 'Txns', Key: { pk: { S: 'a' }, sk: { N: '1' } }, UpdateExpression: 'SET v = :n', ExpressionAttributeValues: { ':n': { N: '9' } } } },
        { ConditionCheck: { TableName: 'Txns', Key: { pk: { S: 'b' }, sk: { N: '1' } }, ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': { N: '0' } } } },
      ],
    })),
    (e) => {
      assert.equal(e.name, 'TransactionCanceledException');
      assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ['None', 'ConditionalCheckFailed']);
      return true;
    },
  );
  const read = await ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'Txns', Key: { pk: { S: 'a' }, sk: { N: '1' } } } }] }));
  assert.equal(read.Responses[0].Item.v.N, '1', 'a cancelled transaction changed nothing');
});

test('PartiQL through ExecuteStatement', async () => {
  await table('Qltab');
  await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "Qltab" VALUE {'pk': 'x', 'sk': 1, 'name': 'Ann'}` }));
  await assert.rejects(
    ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "Qltab" VALUE {'pk': 'x', 'sk': 1}` })),
    { name: 'DuplicateItemException' },
  );
  const r = await ddb.send(new ExecuteStatementCommand({ Statement: 'SELECT name FROM "Qltab" WHERE pk = ? AND sk = ?', Parameters: [{ S: 'x' }, { N: '1' }] }));
  assert.deepEqual(r.Items, [{ name: { S: 'Ann' } }]);
});

test('the document client marshals plain values', async () => {
  await table('Docs');
  const doc = DynamoDBDocumentClient.from(ddb);
  await doc.send(new PutCommand({ TableName: 'Docs', Item: { pk: 'u', sk: 1, tags: new Set(['a', 'b']), nested: { list: [1, 'two', null] } } }));
  const got = await doc.send(new GetCommand({ TableName: 'Docs', Key: { pk: 'u', sk: 1 } }));
  assert.deepEqual(got.Item.nested, { list: [1, 'two', null] });
  assert.deepEqual([...got.Item.tags].sort(), ['a', 'b']);
  const all = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 1 }, { TableName: 'Docs', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'u' } })) {
    all.push(...page.Items);
  }
  assert.equal(all.length, 1);
  const q = await doc.send(new DocQuery({ TableName: 'Docs', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'u' } }));
  assert.equal(q.Count, 1);
});

test('malformed requests get DynamoDB protocol errors', async () => {
  const post = (target, body) => fetch(server.endpoint, {
    method: 'POST', body,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
  });
  let r = await post('DynamoDB_20120810.ListTables', '{not json');
  assert.equal(r.status, 400);
  assert.match((await r.json()).__type, /#SerializationException$/);
  r = await post('DynamoDB_20120810.NoSuchThing', '{}');
  assert.equal(r.status, 400);
  assert.match((await r.json()).__type, /#UnknownOperationException$/);
  r = await post('DynamoDB_20120810.ListTables', '{}');
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('x-amzn-requestid'));
  const text = await r.text();
  const { default: zlib } = await import('node:zlib');
  assert.equal(Number(r.headers.get('x-amz-crc32')), zlib.crc32(Buffer.from(text)));
});

// KSTONE_SERVE_AUTH_RUNS=200 repeats this case (each run with a server of its
// own) to shake out start-up and connection races.
const authRuns = Math.min(1000, Math.max(1, Number(process.env.KSTONE_SERVE_AUTH_RUNS ?? 1)));

test(`--require-auth verifies SigV4 signatures (${authRuns} run${authRuns > 1 ? 's' : ''})`, async () => {
  for (let run = 0; run < authRuns; run++) {
    const secured = await startServer(['--require-auth', 'AKIDLOCAL:s3cret']);
    const clients = [];
    try {
      const good = client(secured.endpoint, { accessKeyId: 'AKIDLOCAL', secretAccessKey: 's3cret' });
      const wrongSecret = client(secured.endpoint, { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'nope' });
      const wrongKey = client(secured.endpoint, { accessKeyId: 'SOMEONE', secretAccessKey: 's3cret' });
      clients.push(good, wrongSecret, wrongKey);
      const context = `run ${run}, endpoint ${secured.endpoint}`;
      const listed = await good.send(new ListTablesCommand({}));
      assert.deepEqual(listed.TableNames, [], context);
      const expectError = (name) => (e) => {
        assert.equal(e.name, name, `${context}: ${e.message} (HTTP ${e.$metadata?.httpStatusCode}, body ${e.$response?.body})`);
        assert.equal(e.$metadata.httpStatusCode, 400, context);
        return true;
      };
      await assert.rejects(wrongSecret.send(new ListTablesCommand({})), expectError('InvalidSignatureException'));
      await assert.rejects(wrongKey.send(new ListTablesCommand({})), expectError('UnrecognizedClientException'));
      // A refused request leaves the connection usable for the next one.
      assert.deepEqual((await good.send(new ListTablesCommand({}))).TableNames, [], context);
    } finally {
      for (const c of clients) c.destroy();
      await secured.stop();
    }
  }
});

test('the start-up line counts only once it is complete', () => {
  // What a reader of the server's stderr may see while the line is still arriving.
  assert.equal(endpointFrom('kstone serve: listening on http://127.0.0.1:4'), null);
  assert.equal(endpointFrom('kstone serve: listening on http://127.0.0.1:45678 (in mem'), null);
  assert.equal(endpointFrom('kstone serve: listening on http://127.0.0.1:45678 (in memory)\n'), 'http://127.0.0.1:45678');
});
