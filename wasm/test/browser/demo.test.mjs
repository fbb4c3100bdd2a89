// The web demo (what `npm start` serves): a notes app on OPFS. Notes added
// through the page survive a reload, the DynamoDB console answers through
// db.send, and a second tab is told the notes are open elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

const ready = (page) => page.waitForFunction(() => ['ready', 'error', 'locked'].includes(window.kstoneDemo?.status), null, { timeout: 30_000 });

test('the web demo keeps notes in OPFS across reloads and answers DynamoDB requests', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const wasmResponse = page.waitForResponse((res) => res.url().endsWith('.wasm'));
    await page.goto(browser.url);
    const wasm = await wasmResponse;
    assert.equal(wasm.headers()['content-type'], 'application/wasm');
    await ready(page);
    assert.equal(await page.evaluate(() => window.kstoneDemo.status), 'ready', await page.locator('#status').textContent());

    for (const text of ['buy milk', 'write the report']) {
      await page.fill('#note-text', text);
      await page.press('#note-text', 'Enter');
      await page.waitForFunction((n) => window.kstoneDemo.notes === n, text === 'buy milk' ? 1 : 2);
    }
    await page.locator('#notes li', { hasText: 'buy milk' }).locator('input[type=checkbox]').check();
    await page.waitForSelector('#notes li.done');

    await page.reload();
    await ready(page);
    const texts = await page.locator('#notes li .text').allTextContents();
    assert.deepEqual(texts.sort(), ['buy milk', 'write the report']);
    assert.deepEqual(await page.locator('#notes li.done .text').allTextContents(), ['buy milk']);

    // The console: any operation through db.send, errors by DynamoDB name.
    await page.fill('#operation', 'Scan');
    await page.fill('#request', '{"TableName": "Notes", "Select": "COUNT"}');
    await page.click('#console button[type=submit]');
    await page.waitForFunction(() => document.getElementById('console-output').textContent.includes('Count'));
    assert.equal(JSON.parse(await page.locator('#console-output').textContent()).Count, 2);
    await page.fill('#request', '{"TableName": "NoSuchTable"}');
    await page.click('#console button[type=submit]');
    await page.waitForFunction(() => document.getElementById('console-output').textContent.startsWith('ResourceNotFoundException'));

    // Deleting a note through the page.
    await page.locator('#notes li', { hasText: 'write the report' }).locator('button').click();
    await page.waitForFunction(() => window.kstoneDemo.notes === 1);

    // A second tab: the notes are open in the first one.
    const second = await browser.newPage();
    await second.goto(browser.url);
    await ready(second);
    assert.equal(await second.evaluate(() => window.kstoneDemo.status), 'locked');
    assert.match(await second.locator('#status').textContent(), /open in another tab/);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
