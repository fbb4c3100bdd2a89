// A bundler test: a tiny app that does `import { open } from 'keystonedb'`,
// bundled with esbuild the way the README describes, runs in Chromium on
// OPFS. esbuild does not follow `new URL('./worker.js', import.meta.url)`, so
// the recipe names the package's worker (`keystonedb/worker` in the exports
// map) as a second entry point and copies the .wasm beside it; the bundled app then finds `./worker.js` next to
// itself and the worker finds `kstone_bg.wasm` next to itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, copyFile, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launch } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const APP = `
import { open } from 'keystonedb';

const db = await open('bundled', { storage: 'opfs', durability: 'sync' });
const before = await db.send('ListTables', {});
if (!before.TableNames.includes('Visits')) {
  await db.send('CreateTable', {
    TableName: 'Visits',
    AttributeDefinitions: [{ AttributeName: 'n', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'n', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}
const { Count } = await db.send('Scan', { TableName: 'Visits', Select: 'COUNT' });
await db.send('PutItem', { TableName: 'Visits', Item: { n: { N: String(Count + 1) } } });
await db.close();
window.visits = Count + 1;
`;

test('an app importing keystonedb, bundled with esbuild, runs in Chromium on OPFS', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kstone-bundle-'));
  let browser;
  try {
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(root, path.join(dir, 'node_modules', 'keystonedb'), 'dir');
    await writeFile(path.join(dir, 'app.js'), APP);
    const dist = path.join(dir, 'dist');
    const result = await build({
      absWorkingDir: dir,
      entryPoints: { app: 'app.js', worker: 'keystonedb/worker' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outdir: dist,
      logLevel: 'silent',
      metafile: true,
    });
    assert.deepEqual(result.errors, []);
    await copyFile(path.join(root, 'wasm/pkg/kstone_bg.wasm'), path.join(dist, 'kstone_bg.wasm'));
    await writeFile(path.join(dist, 'index.html'),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="app.js"></script>');
    // The bundle is self-contained: nothing is served from the package's own tree.
    browser = await launch({ mounts: [['/', dist]] });
    const page = await browser.newPage();
    await page.goto(browser.url);
    await page.waitForFunction(() => window.visits !== undefined, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.visits), 1);
    await page.reload();
    await page.waitForFunction(() => window.visits !== undefined, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.visits), 2, 'the second visit finds the first in OPFS');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
