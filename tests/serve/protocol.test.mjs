// `kstone serve` at the HTTP level, where DynamoDB clients depend on details
// the SDK hides: connection reuse, `Expect: 100-continue`, chunked bodies,
// the body size limit, and the protocol errors for bad requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { startServer } from './server.mjs';

let server;
let port;

before(async () => {
  server = await startServer();
  port = Number(new URL(server.endpoint).port);
});

after(async () => {
  await server?.stop();
});

/**
 * One request; resolves with { status, headers, text, json, reused }.
 * `body` is a string or Buffer; `chunks` sends it chunked instead.
 */
function request({ target = 'DynamoDB_20120810.ListTables', body = '{}', chunks, agent, headers = {}, method = 'POST' } = {}) {
  return new Promise((resolve, reject) => {
    const h = { 'content-type': 'application/x-amz-json-1.0', ...headers };
    if (target) h['x-amz-target'] = target;
    if (!chunks && body !== undefined) h['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', agent: agent ?? false, headers: h }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json, reused: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (h.expect === '100-continue') {
      req.on('continue', () => req.end(body));
    } else if (chunks) {
      for (const c of chunks) req.write(c);
      req.end();
    } else {
      req.end(body);
    }
  });
}

function assertError(r, status, name) {
  assert.equal(r.status, status, r.text);
  assert.match(r.json?.__type ?? '', new RegExp(`#${name}$`), r.text);
  assert.equal(r.headers['x-amzn-errortype'], name);
  assert.equal(Number(r.headers['x-amz-crc32']), zlib.crc32(Buffer.from(r.text)), 'the CRC covers the error body');
}

test('one keep-alive connection carries many requests, errors included', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let fresh = 0;
    for (let i = 0; i < 300; i++) {
      let r;
      switch (i % 3) {
        case 0:
          r = await request({ agent });
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(r.json, { TableNames: [] });
          break;
        case 1:
          r = await request({ agent, body: '{"TableName":' });
          assertError(r, 400, 'SerializationException');
          break;
        default:
          r = await request({ agent, target: 'DynamoDB_20120810.NoSuchOperation' });
          assertError(r, 400, 'UnknownOperationException');
      }
      if (!r.reused) fresh++;
    }
    assert.equal(fresh, 1, 'every request after the first reused the connection');
  } finally {
    agent.destroy();
  }
});

test('malformed JSON, a JSON non-object and a missing target are protocol errors', async () => {
  assertError(await request({ body: '{not json' }), 400, 'SerializationException');
  assertError(await request({ body: '[1,2]' }), 400, 'SerializationException');
  assertError(await request({ target: null }), 400, 'UnknownOperationException');
  assertError(await request({ target: 'DynamoDB_20120810.' }), 400, 'UnknownOperationException');
  assertError(await request({ target: 'SomethingElse.ListTables' }), 400, 'UnknownOperationException');
});

test('Expect: 100-continue gets a 100 and then the answer', async () => {
  const r = await request({ headers: { expect: '100-continue' }, body: '{"Limit":5}' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { TableNames: [] });
});

test('a chunked request body is read whole', async () => {
  const r = await request({ chunks: ['{"Li', 'mit"', ':3}'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { TableNames: [] });
  assertError(await request({ chunks: ['{"Li', 'mit"'] }), 400, 'SerializationException');
});

test('a body over 16 MiB is refused with 413, and the connection stays usable', async () => {
  const limit = 16 << 20;
  const big = Buffer.alloc(limit + 1, 0x20);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const declared = await request({ agent, body: big });
    assertError(declared, 413, 'RequestEntityTooLargeException');
    const chunked = await request({ agent, chunks: [big.subarray(0, limit / 2), big.subarray(limit / 2)] });
    assertError(chunked, 413, 'RequestEntityTooLargeException');
    assert.ok(chunked.reused, 'the refused body was read to its end, so the connection carried on');
    // Exactly at the limit is fine (whitespace only is an empty request).
    const at = await request({ agent, body: big.subarray(0, limit) });
    assert.equal(at.status, 200, at.text);
    assert.ok(at.reused);
  } finally {
    agent.destroy();
  }
});

test('an oversized body announced with Expect: 100-continue is refused before it is sent', async () => {
  const r = await new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: '/', agent: false,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-length': 1 << 30,
        expect: '100-continue',
      },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, json: JSON.parse(text) }));
    });
    req.on('continue', () => reject(new Error('the server asked for a body it would refuse')));
    req.on('error', reject);
    req.flushHeaders();
  });
  assertError(r, 413, 'RequestEntityTooLargeException');
  assert.equal(r.headers.connection, 'close');
});

test('GET is a health check and OPTIONS answers CORS preflight', async () => {
  const health = await request({ method: 'GET', target: null, body: undefined });
  assert.equal(health.status, 200);
  assert.match(health.text, /healthy/);
  const pre = await request({ method: 'OPTIONS', target: null, body: undefined });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], '*');
});

test('many clients at once: writes and reads all answered', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const create = await request({
      agent,
      target: 'DynamoDB_20120810.CreateTable',
      body: JSON.stringify({
        TableName: 'Concurrent',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    });
    assert.equal(create.status, 200, create.text);
    const writes = Array.from({ length: 200 }, (_, i) => request({
      agent,
      target: 'DynamoDB_20120810.PutItem',
      body: JSON.stringify({ TableName: 'Concurrent', Item: { pk: { S: `k${i}` }, n: { N: String(i) } } }),
    }));
    for (const r of await Promise.all(writes)) assert.equal(r.status, 200, r.text);
    const reads = Array.from({ length: 200 }, (_, i) => request({
      agent,
      target: 'DynamoDB_20120810.GetItem',
      body: JSON.stringify({ TableName: 'Concurrent', Key: { pk: { S: `k${i}` } } }),
    }));
    (await Promise.all(reads)).forEach((r, i) => assert.equal(r.json?.Item?.n?.N, String(i), r.text));
  } finally {
    agent.destroy();
  }
});
