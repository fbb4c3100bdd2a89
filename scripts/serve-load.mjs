#!/usr/bin/env node
// Load test for `kstone serve` next to dynalite, in one run (a benchmark, not
// part of `npm test`).
//
//   cargo build --release -p kstone-cli
//   npm i --no-save dynalite          # optional: without it only kstone runs
//   node scripts/serve-load.mjs
//
// N concurrent clients send a mixed GetItem/PutItem workload (80/20 by
// default) over keep-alive HTTP for a fixed time, first to a release
// `kstone serve` on a file in sync durability, then to dynalite measured the
// same way. Each client writes only its own keys with increasing versions, so
// every acknowledged write has one version that must survive. When the timed
// phase ends the writers keep going and kstone is killed with SIGKILL in the
// middle of their writes; it is restarted on the same file and every
// acknowledged write is read back. Requests cut off by the kill are neither
// errors nor acknowledged.
//
// Env (each bounded):
//   KSTONE_LOAD_SECONDS  timed phase per server, 30 (1..600)
//   KSTONE_LOAD_CLIENTS  concurrent clients, 32 (1..256)
//   KSTONE_LOAD_KEYS     distinct keys, 10000 (clients..1000000)
//   KSTONE_LOAD_WRITES   percentage of writes, 20 (0..100)
//   KSTONE_LOAD_MAX_REQUESTS  stop a phase after this many requests, 5000000
//   KSTONE_BIN           the kstone binary (default: $CARGO_TARGET_DIR or target, release/kstone)
// Exit 1 when kstone had an error or lost an acknowledged write.
// Every request goes to 127.0.0.1.
import http from 'node:http';
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

function setting(name, fallback, lo, hi) {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < lo || n > hi) {
    console.error(`serve-load: ${name} must be an integer in ${lo}..${hi} (got ${raw})`);
    process.exit(2);
  }
  return n;
}
const seconds = setting('KSTONE_LOAD_SECONDS', 30, 1, 600);
const clients = setting('KSTONE_LOAD_CLIENTS', 32, 1, 256);
const keys = setting('KSTONE_LOAD_KEYS', 10000, clients, 1_000_000);
const writePercent = setting('KSTONE_LOAD_WRITES', 20, 0, 100);
const maxRequests = setting('KSTONE_LOAD_MAX_REQUESTS', 5_000_000, 1, 50_000_000);
const keysPerClient = Math.floor(keys / clients);
const root = path.resolve(import.meta.dirname, '..');
const bin = process.env.KSTONE_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'kstone');
if (!fs.existsSync(bin)) {
  console.error(`serve-load: ${bin} not found (cargo build --release -p kstone-cli, or set KSTONE_BIN)`);
  process.exit(2);
}

/** Spawn a server and resolve with its port once `pattern` matches a whole line of its output. */
function start(cmd, args, pattern) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${seen}`)), 30000);
    const onData = (chunk) => {
      seen += chunk;
      for (const line of seen.split('\n').slice(0, -1)) {
        const m = pattern.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ proc, port: Number(m[1]) });
          return;
        }
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}: ${seen}`));
    });
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
        'x-amz-date': '20261201T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} });
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

const table = 'Load';
const value = 'x'.repeat(200);

async function createTable(port) {
  const r = await call(port, 'CreateTable', {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  if (r.status !== 200) throw new Error(`CreateTable: ${JSON.stringify(r.body)}`);
  // dynalite answers CREATING first; wait (bounded) until the table is ACTIVE.
  for (let i = 0; i < 100; i++) {
    const d = await call(port, 'DescribeTable', { TableName: table });
    if (d.body.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the table did not become ACTIVE');
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * The timed phase: `clients` workers for `seconds`. With `killer`, the workers
 * then keep writing until killer() has killed the server; what fails after
 * that is not counted.
 */
async function workload(port, label, killer) {
  const acked = new Map();
  const latencies = [];
  let errors = 0;
  let firstError = null;
  let requests = 0;
  let killed = false;
  const deadline = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  async function worker(w) {
    let version = 0;
    while (Date.now() < deadline && requests < maxRequests) {
      requests++;
      const write = Math.random() * 100 < writePercent;
      const t0 = performance.now();
      try {
        let r;
        if (write) {
          version++;
          const key = `w${w}#${version % keysPerClient}`;
          r = await call(port, 'PutItem', { TableName: table, Item: { pk: { S: key }, v: { N: String(version) }, data: { S: value } } });
          if (r.status === 200) acked.set(key, version);
        } else {
          const key = `w${Math.floor(Math.random() * clients)}#${Math.floor(Math.random() * keysPerClient)}`;
          r = await call(port, 'GetItem', { TableName: table, Key: { pk: { S: key } } });
        }
        if (r.status !== 200) {
          errors++;
          firstError ??= JSON.stringify(r.body);
        }
      } catch (e) {
        errors++;
        firstError ??= String(e);
      }
      latencies.push(performance.now() - t0);
    }
    if (!killer) return;
    // Writes until the server is gone: the last ones are in flight at the kill.
    for (let i = 0; !killed && i < 10_000; i++) {
      version++;
      const key = `w${w}#${version % keysPerClient}`;
      try {
        const r = await call(port, 'PutItem', { TableName: table, Item: { pk: { S: key }, v: { N: String(version) }, data: { S: value } } });
        if (r.status === 200) acked.set(key, version);
      } catch {
        // Cut off by the kill: not acknowledged.
      }
    }
  }
  const running = Array.from({ length: clients }, (_, w) => worker(w));
  let killing = null;
  if (killer) {
    killing = (async () => {
      await new Promise((res) => setTimeout(res, seconds * 1000 + 300));
      await killer();
      killed = true;
    })();
  }
  await Promise.all(running);
  await killing;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  const result = {
    label,
    rate: latencies.length / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    requests: latencies.length,
    errors,
    firstError,
    acked,
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    load: loadavg(),
  };
  console.log(
    `LOAD ${label} ops/s=${Math.round(result.rate)} p50_ms=${result.p50.toFixed(2)} p99_ms=${result.p99.toFixed(2)} `
    + `requests=${result.requests} errors=${errors} client_cpu=${result.clientCpu.toFixed(2)} loadavg=${result.load}`,
  );
  if (firstError) console.log(`  first error: ${firstError}`);
  return result;
}

console.log(`serve-load: ${clients} clients, ${100 - writePercent}/${writePercent} GetItem/PutItem, ${seconds} s per server, ${keys} keys, ${os.cpus().length} CPUs`);
console.log(`uptime before: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstone-load-'));
const file = path.join(dir, 'load.keystone');
const ready = /^kstone serve: listening on http:\/\/[^\s]+:(\d+) /;
let exitCode = 0;
try {
  const kstone = await start(bin, ['serve', file, '--port', '0', '--durability', 'sync', '--log-level', 'warn'], ready);
  await createTable(kstone.port);
  const k = await workload(kstone.port, 'kstone(sync,file)', async () => {
    kstone.proc.kill('SIGKILL');
    await once(kstone.proc, 'exit');
  });

  const again = await start(bin, ['serve', file, '--port', '0', '--log-level', 'warn'], ready);
  let lost = 0;
  let firstLost = null;
  for (const [key, version] of k.acked) {
    const r = await call(again.port, 'GetItem', { TableName: table, Key: { pk: { S: key } }, ConsistentRead: true });
    const stored = Number(r.body.Item?.v?.N ?? -1);
    if (r.status !== 200 || stored < version) {
      lost++;
      firstLost ??= `${key}: acknowledged v${version}, stored ${JSON.stringify(r.body)}`;
    }
  }
  console.log(`DURABILITY kstone acknowledged_keys=${k.acked.size} lost=${lost} (SIGKILL during writes, then restart)`);
  if (firstLost) console.log(`  first lost: ${firstLost}`);
  again.proc.kill('SIGTERM');
  await once(again.proc, 'exit');
  if (lost > 0 || k.errors > 0) exitCode = 1;

  let dynaliteCli = null;
  try {
    dynaliteCli = createRequire(path.join(root, 'package.json')).resolve('dynalite/cli.js');
  } catch {
    console.log('LOAD dynalite n/a (install it with: npm i --no-save dynalite)');
  }
  if (dynaliteCli) {
    // dynalite reads --port 0 as its default 4567, so ask the OS for a free port first.
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const free = probe.address().port;
    probe.close();
    const dyn = await start(process.execPath,
      [dynaliteCli, '--host', '127.0.0.1', '--port', String(free), '--createTableMs', '0'],
      /^Dynalite listening at: http:\/\/[^\s]+:(\d+)/);
    try {
      await createTable(dyn.port);
      const d = await workload(dyn.port, 'dynalite(memory)');
      console.log();
      console.log('server              ops/s     p50 ms   p99 ms   errors  loadavg (1/5/15 min, after)');
      for (const r of [k, d]) {
        console.log(`${r.label.padEnd(18)} ${String(Math.round(r.rate)).padStart(6)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(8)}  ${r.load}`);
      }
      console.log(`RATIO kstone/dynalite ops/s=${(k.rate / d.rate).toFixed(2)} p99=${(k.p99 / d.p99).toFixed(2)}`);
    } finally {
      dyn.proc.kill('SIGTERM');
      await once(dyn.proc, 'exit');
    }
  }
} finally {
  console.log(`uptime after: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  agent.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
