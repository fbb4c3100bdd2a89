// The OPFS storage in Chromium: the worker, its lock, its durability and its
// batched messages, driven from a blank page through worker-client.js. One
// browser (one persistent on-disk profile) serves every test of this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kstone = process.env.KSTONE_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'kstone');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function testPage() {
  const page = await browser.newPage();
  await page.goto(browser.blank);
  await page.waitForFunction(() => window.t !== undefined);
  return page;
}

test('data persists across page reloads (closed or not)', async () => {
  const page = await testPage();
  await page.evaluate(async () => {
    // Sync durability: an acknowledged write is on disk, so it survives the
    // page going away without close(). (Group durability writes the log out
    // within its interval; a reload inside it may lose the last writes.)
    const db = await t.openWorkerBackend('reload', { durability: 'sync' });
    await db.send('CreateTable', t.NOTES);
    await Promise.all(Array.from({ length: 50 }, (_, i) => db.send('PutItem', t.note(i))));
  });
  await page.reload();
  await page.waitForFunction(() => window.t !== undefined);
  const first = await page.evaluate(async () => {
    const db = await t.openWorkerBackend('reload');
    const items = await t.scanAll(db);
    await db.send('PutItem', t.note(50));
    await db.close();
    return { count: items.length, created: db.created, text: items.find((i) => i.id.S === 'n000007').text.S };
  });
  assert.deepEqual(first, { count: 50, created: false, text: 'note 7' });
  await page.reload();
  await page.waitForFunction(() => window.t !== undefined);
  const second = await page.evaluate(async () => {
    const db = await t.openWorkerBackend('reload');
    const n = (await t.scanAll(db)).length;
    await db.close();
    return n;
  });
  assert.equal(second, 51);
  assert.deepEqual(browser.problems, []);
  await page.close();
});

test('a second tab gets DatabaseLockedError while the first has the database open', async () => {
  const first = await testPage();
  const second = await testPage();
  await first.evaluate(async () => {
    window.db = await t.openWorkerBackend('shared');
    await db.send('CreateTable', t.NOTES);
    await db.send('PutItem', t.note(1, 'from the first tab'));
  });
  const refused = await second.evaluate(async () => ({
    open: await t.failure(t.openWorkerBackend('shared')),
    remove: await t.failure(t.deleteWorkerDatabase('shared')),
  }));
  assert.equal(refused.open.name, 'DatabaseLockedError');
  assert.equal(refused.open.isError, true);
  assert.equal(refused.open.isPackageClass, true, 'an instance of errors.js DatabaseLockedError');
  assert.match(refused.open.message, /'shared' is open in another tab/);
  assert.equal(refused.remove.name, 'DatabaseLockedError');
  // The holder is unaffected, and after its close the other tab opens at once.
  const stillThere = await first.evaluate(async () => {
    const r = await db.send('GetItem', { TableName: 'Notes', Key: { id: { S: 'n000001' } } });
    await db.close();
    return r.Item.text.S;
  });
  assert.equal(stillThere, 'from the first tab');
  const after = await second.evaluate(async () => {
    const db = await t.openWorkerBackend('shared');
    const items = await t.scanAll(db);
    await db.close();
    return { items: items.length, deleted: await t.deleteWorkerDatabase('shared'), again: await t.deleteWorkerDatabase('shared') };
  });
  assert.deepEqual(after, { items: 1, deleted: true, again: false });
  assert.deepEqual(browser.problems, []);
  await first.close();
  await second.close();
});

test('a worker terminated mid-stream keeps every acknowledged write (durability sync) and reopens cleanly', async () => {
  const page = await testPage();
  const outcome = await page.evaluate(async () => {
    const db = await t.openWorkerBackend('crash', { durability: 'sync' });
    await db.send('CreateTable', t.NOTES);
    const acked = [];
    let next = 0;
    let stopped = false;
    const payload = 'x'.repeat(200);
    // 32 writers keep the worker busy writing until it is terminated.
    const writer = async () => {
      while (!stopped) {
        const i = next++;
        try {
          await db.send('PutItem', t.note(i, payload));
          acked.push(i);
        } catch (error) {
          if (!stopped) throw error;
        }
      }
    };
    const writers = Array.from({ length: 32 }, writer);
    while (acked.length < 3000) await new Promise((r) => setTimeout(r, 5));
    db.terminate();
    stopped = true;
    await Promise.all(writers);
    const started = performance.now();
    const reopened = await t.openWorkerBackend('crash', { durability: 'sync' });
    const reopenMs = performance.now() - started;
    const present = new Set((await t.scanAll(reopened)).map((item) => item.id.S));
    const missing = acked.filter((i) => !present.has(t.note(i).Item.id.S));
    // The reopened database takes writes again.
    await reopened.send('PutItem', t.note(999999));
    const stats = await reopened.stats();
    await reopened.close();
    return { acked: acked.length, sent: next, present: present.size, missing: missing.length, reopenMs, replayed: stats.replayedBatches };
  });
  console.log(`terminate: ${outcome.acked} acknowledged of ${outcome.sent} sent, ${outcome.present} present after reopen ` +
    `(${outcome.replayed} batches replayed, reopen ${outcome.reopenMs.toFixed(0)} ms)`);
  assert.equal(outcome.missing, 0, 'every acknowledged write is there');
  assert.ok(outcome.acked >= 3000);
  assert.ok(outcome.present >= outcome.acked && outcome.present <= outcome.sent);
  assert.deepEqual(browser.problems, []);
  await page.close();
});

test('export, import into a new database, and the exported file opens in the native CLI', async () => {
  assert.ok(existsSync(kstone), `the kstone CLI is needed at ${kstone} (cargo build -p kstone-cli, or set KSTONE_BIN)`);
  const page = await testPage();
  const outcome = await page.evaluate(async () => {
    const db = await t.openWorkerBackend('exported');
    await db.send('CreateTable', t.NOTES);
    await Promise.all(Array.from({ length: 200 }, (_, i) => db.send('PutItem', t.note(i))));
    const bytes = await db.export();
    const copy = await t.openWorkerBackend('imported', { from: bytes });
    const items = await t.scanAll(copy);
    await copy.send('PutItem', t.note(1000, 'only in the copy'));
    const originalCount = (await t.scanAll(db)).length;
    await copy.close();
    await db.close();
    const again = await t.failure(t.openWorkerBackend('imported', { from: bytes }));
    const garbage = await t.failure(t.openWorkerBackend('garbage', { from: new Uint8Array(4096).fill(7) }));
    // A failed import leaves no database behind.
    const garbageGone = await t.deleteWorkerDatabase('garbage');
    return { copied: items.length, originalCount, again, garbage, garbageGone, exported: t.toBase64(bytes), imported: copy.imported };
  });
  assert.equal(outcome.copied, 200);
  assert.equal(outcome.imported, true);
  assert.equal(outcome.originalCount, 200, 'the copy is independent of the original');
  assert.equal(outcome.again.name, 'ResourceInUseException');
  assert.equal(outcome.garbage.name, 'InternalServerError');
  assert.match(outcome.garbage.message, /not a KeystoneDB database file/);
  assert.equal(outcome.garbageGone, false);

  const dir = mkdtempSync(path.join(tmpdir(), 'kstone-export-'));
  try {
    const file = path.join(dir, 'notes.keystone');
    writeFileSync(file, Buffer.from(outcome.exported, 'base64'));
    assert.equal(execFileSync(kstone, ['tables', file], { encoding: 'utf8' }).trim(), 'Notes');
    const scan = JSON.parse(execFileSync(kstone, ['request', file, 'Scan'], { input: '{"TableName":"Notes"}', encoding: 'utf8' }));
    assert.equal(scan.Count, 200);
    const got = JSON.parse(execFileSync(kstone, ['request', file, 'GetItem'], {
      input: JSON.stringify({ TableName: 'Notes', Key: { id: { S: 'n000042' } } }),
      encoding: 'utf8',
    }));
    assert.deepEqual(got.Item, { id: { S: 'n000042' }, text: { S: 'note 42' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(browser.problems, []);
  await page.close();
});

test('1,000 concurrent calls go out in one message each way (batched) instead of 1,000', async () => {
  const page = await testPage();
  const figures = await page.evaluate(async () => {
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const getItem = (i) => ['GetItem', { TableName: 'Notes', Key: { id: t.note(i % 100).Item.id } }];
    const listTables = () => ['ListTables', {}];
    const run = async (name, batch) => {
      const db = await t.openWorkerBackend(name, { batch });
      await db.send('CreateTable', t.NOTES);
      await Promise.all(Array.from({ length: 100 }, (_, i) => db.send('PutItem', t.note(i))));
      const out = {};
      for (const [label, call] of [['ListTables', listTables], ['GetItem', getItem]]) {
        const times = [];
        let messages = 0;
        for (let round = 0; round < 5; round++) {
          const sent = db.messages.sent;
          const started = performance.now();
          await Promise.all(Array.from({ length: 1000 }, (_, i) => db.send(...call(i))));
          times.push(performance.now() - started);
          messages = db.messages.sent - sent;
        }
        // Awaited one at a time, for reference: one round trip per call.
        const started = performance.now();
        for (let i = 0; i < 1000; i++) await db.send(...call(i));
        out[label] = { ms: median(times), messages, sequentialMs: performance.now() - started };
      }
      await db.close();
      return out;
    };
    return { batched: await run('rpc-batched', true), unbatched: await run('rpc-unbatched', false) };
  });
  const perSecond = (ms) => Math.round(1e6 / ms);
  for (const op of ['ListTables', 'GetItem']) {
    const b = figures.batched[op];
    const u = figures.unbatched[op];
    console.log(`1,000 concurrent ${op}: batched ${b.ms.toFixed(1)} ms, ${b.messages} message (${perSecond(b.ms)}/s); ` +
      `unbatched ${u.ms.toFixed(1)} ms, ${u.messages} messages (${perSecond(u.ms)}/s); unbatched/batched ${(u.ms / b.ms).toFixed(2)}x; ` +
      `awaited one at a time ${b.sequentialMs.toFixed(1)} ms (${perSecond(b.sequentialMs)}/s); medians of 5`);
    assert.equal(b.messages, 1);
    assert.equal(u.messages, 1000);
  }
  assert.deepEqual(browser.problems, []);
  await page.close();
});

test('a write refused by the real storage quota (CDP quota override) is QuotaExceededError; every acknowledged write survives', async () => {
  const page = await testPage();
  const cdp = await browser.context.newCDPSession(page);
  const origin = new URL(browser.url).origin;
  const { usage } = await page.evaluate(() => navigator.storage.estimate());
  // Chromium's own quota check refuses OPFS writes past this size.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 3 * 1024 * 1024 });
  const full = await page.evaluate(async () => {
    window.db = await t.openWorkerBackend('quota', { durability: 'sync' });
    await db.send('CreateTable', t.NOTES);
    window.acked = [];
    const big = 'q'.repeat(8000);
    let refused = null;
    for (let i = 0; i < 5000 && !refused; i += 10) {
      // Ten writes per batch: one refused flush refuses all ten.
      const batch = Array.from({ length: 10 }, (_, k) => db.send('PutItem', t.note(i + k, big)).then(() => acked.push(i + k)));
      const outcomes = await Promise.allSettled(batch);
      const failure = outcomes.find((o) => o.status === 'rejected');
      if (failure) refused = await t.failure(Promise.reject(failure.reason));
    }
    // The database stays usable: reads work, and writes fail cleanly while it is full.
    const read = await db.send('GetItem', { TableName: 'Notes', Key: { id: t.note(0).Item.id } });
    const later = await t.failure(db.send('PutItem', t.note(99999, big.repeat(40))));
    return { acked: acked.length, refused, readBack: read.Item?.id?.S, later };
  });
  assert.ok(full.acked > 0, 'some writes fit in the quota');
  assert.equal(full.refused?.name, 'QuotaExceededError', JSON.stringify(full.refused));
  assert.equal(full.refused.isError, true);
  assert.equal(full.refused.isPackageClass, true, 'an instance of errors.js QuotaExceededError');
  assert.match(full.refused.message, /QuotaExceededError/);
  assert.equal(full.readBack, 'n000000');
  assert.ok(full.later === null || full.later.name === 'QuotaExceededError', JSON.stringify(full.later));

  // Stop the worker without closing, lift the quota, and reopen.
  await page.evaluate(() => db.terminate());
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  const reopened = await page.evaluate(async () => {
    const again = await t.openWorkerBackend('quota', { durability: 'sync' });
    const present = new Set((await t.scanAll(again)).map((item) => item.id.S));
    const missing = acked.filter((i) => !present.has(t.note(i).Item.id.S));
    await again.send('PutItem', t.note(100000, 'after the quota was lifted'));
    await again.close();
    return { missing: missing.length, present: present.size };
  });
  console.log(`quota: ${full.acked} writes acknowledged before the quota ran out; ${reopened.present} items after reopening`);
  assert.equal(reopened.missing, 0);
  assert.deepEqual(browser.problems, []);
  await page.close();
});
