#!/usr/bin/env node
// Load test for `kstone serve` (a benchmark, not part of `npm test`).
//
// N concurrent clients send a mixed 80/20 GetItem/PutItem workload over
// keep-alive HTTP for a fixed time, first to `kstone serve` (sync durability,
// file-backed), then to dynalite when it is installed (`npm i --no-save
// dynalite`), measured the same way. Then kstone is killed with SIGKILL,
// restarted on the same file, and every acknowledged write is checked.
//
// Env: KSTONE_LOAD_SECONDS (30), KSTONE_LOAD_CLIENTS (32), KSTONE_LOAD_KEYS (10000),
//      KSTONE_BIN (default target/release/kstone).
// Every request goes to 127.0.0.1; loops are bounded in time and count.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const seconds = Number(process.env.KSTONE_LOAD_SECONDS ?? 30);
const clients = Number(process.env.KSTONE_LOAD_CLIENTS ?? 32);
const keys = Number(process.env.KSTONE_LOAD_KEYS ?? 10000);
const maxRequests = 5_000_000;
const root = path.resolve(import.meta.dirname, '..');
const bin = process.env.KSTONE_BIN ?? path.join(root, 'target', 'release', 'kstone');

function start(cmd, args, pattern) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${seen}`)), 30000);
    const onData = (chunk) => {
      seen += chunk;
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]) });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${seen}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: clients });

function call(port, op, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: '/', agent,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${op}`,
        'content-length': Buffer.byteLength(data),
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const value = 'x'.repeat(200);

async function workload(port, label) {
  const table = 'Load';
  await call(port, 'CreateTable', {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  const acked = new Map();
  const latencies = [];
  let errors = 0;
  let requests = 0;
  const deadline = Date.now() + seconds * 1000;
  async function worker(w) {
    let version = 0;
    while (Date.now() < deadline && requests < maxRequests) {
      requests++;
      const write = Math.random() < 0.2;
      const t0 = performance.now();
      try {
        let r;
        if (write) {
          version++;
          const key = `w${w}#${version % Math.max(1, Math.floor(keys / clients))}`;
          r = await call(port, 'PutItem', { TableName: table, Item: { pk: { S: key }, v: { N: String(version) }, data: { S: value } } });
          if (r.status === 200) acked.set(key, version);
        } else {
          const key = `w${Math.floor(Math.random() * clients)}#${Math.floor(Math.random() * Math.max(1, Math.floor(keys / clients)))}`;
          r = await call(port, 'GetItem', { TableName: table, Key: { pk: { S: key } } });
        }
        if (r.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  const rate = Math.round(latencies.length / seconds);
  console.log(`LOAD ${label} clients=${clients} seconds=${seconds} ops/s=${rate} p50_ms=${pct(0.5)} p99_ms=${pct(0.99)} errors=${errors}`);
  return { rate, acked, errors };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstone-load-'));
const file = path.join(dir, 'load.keystone');
const ready = /listening on http:\/\/[^:]+:(\d+)/;
const kstone = await start(bin, ['serve', file, '--port', '0', '--durability', 'sync', '--log-level', 'warn'], ready);
const k = await workload(kstone.port, 'kstone(sync)');
kstone.proc.kill('SIGKILL');
await once(kstone.proc, 'exit');

const again = await start(bin, ['serve', file, '--port', '0', '--log-level', 'warn'], ready);
let lost = 0;
for (const [key, version] of k.acked) {
  const r = await call(again.port, 'GetItem', { TableName: 'Load', Key: { pk: { S: key } }, ConsistentRead: true });
  const stored = Number(r.body.Item?.v?.N ?? -1);
  if (stored < version) lost++;
}
console.log(`DURABILITY kstone acknowledged_keys=${k.acked.size} lost=${lost} (after SIGKILL and restart)`);
again.proc.kill('SIGTERM');
await once(again.proc, 'exit');

let dynaliteMain = null;
try {
  dynaliteMain = createRequire(path.join(root, 'package.json')).resolve('dynalite/cli.js');
} catch {
  console.log('LOAD dynalite n/a (install it with: npm i --no-save dynalite)');
}
if (dynaliteMain) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dyn = spawn(process.execPath, [dynaliteMain, '--port', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      await call(port, 'ListTables', {});
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const d = await workload(port, 'dynalite(memory)');
  console.log(`LOAD ratio kstone/dynalite=${(k.rate / d.rate).toFixed(2)}`);
  dyn.kill('SIGTERM');
}
agent.destroy();
fs.rmSync(dir, { recursive: true, force: true });
if (lost > 0 || k.errors > 0) process.exit(1);
