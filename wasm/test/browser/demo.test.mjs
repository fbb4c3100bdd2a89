// The web demo (what `npm start` serves) loads the wasm build in Chromium and
// shows the real engine's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

test('the web demo runs the engine in the browser without errors', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const wasmResponse = page.waitForResponse((res) => res.url().endsWith('.wasm'));
    await page.goto(browser.url);
    const wasm = await wasmResponse;
    assert.equal(wasm.status(), 200);
    assert.equal(wasm.headers()['content-type'], 'application/wasm');

    await page.waitForFunction(() => document.body.dataset.status !== 'loading', null, { timeout: 30_000 });
    const demo = await page.evaluate(() => ({ status: document.body.dataset.status, ...window.kstoneDemo }));
    assert.equal(demo.status, 'done', `demo failed: ${JSON.stringify(demo.error)}`);
    assert.deepEqual(browser.problems, []);
    assert.match(demo.engineVersion, /^\d+\.\d+\.\d+/);
    assert.deepEqual(demo.results.map((r) => r.operation), ['CreateTable', 'PutItem', 'GetItem']);

    // Every step shows a real engine answer. The only error allowed is an
    // operation this build does not have yet; anything else is a bug.
    for (const result of demo.results) {
      if (!result.ok) assert.equal(result.error.name, 'UnknownOperationException', JSON.stringify(result));
    }
    assert.ok(demo.results[0].ok, `CreateTable: ${JSON.stringify(demo.results[0])}`);
    assert.equal(demo.results[0].response.TableDescription.TableName, 'Music');
    // Once items can be written, the item read back is the item written.
    if (demo.results[1].ok) {
      assert.ok(demo.results[2].ok, JSON.stringify(demo.results[2]));
      assert.deepEqual(demo.results[2].response.Item, {
        Artist: { S: 'No One You Know' },
        SongTitle: { S: 'Call Me Today' },
        Year: { N: '2015' },
      });
    }
    const shown = await page.locator('#steps li').count();
    assert.equal(shown, 3);
  } finally {
    await browser.close();
  }
});
