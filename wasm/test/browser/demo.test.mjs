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

    // Every step shows a real engine answer: a response, or a DynamoDB exception.
    for (const result of demo.results) {
      if (!result.ok) assert.match(result.error.name, /^[A-Z][A-Za-z]+(Exception|Error)$/, JSON.stringify(result));
    }
    // Once the table exists, the item read back is the item written.
    if (demo.results[0].ok) {
      for (const result of demo.results) assert.ok(result.ok, JSON.stringify(result));
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
