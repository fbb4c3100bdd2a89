// The package's browser entry (wasm/js/browser.js) in Chromium with storage
// 'memory': the wasm loads through new URL(..., import.meta.url), the document
// API and errors behave as in Node, and an export imports again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

test('the browser entry runs the document API in memory', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(browser.url);
    const result = await page.evaluate(async () => {
      const { open, NumberValue } = await import('/keystonedb/js/browser.js');
      const db = await open('page', { storage: 'memory' });
      await db.createTable('Tab', { pk: 'S', sk: 'N' });
      await db.put('Tab', { pk: 'a', sk: 1, bytes: new Uint8Array([1, 2]), set: new Set(['x']), big: new NumberValue('123456789012345678901234567890') });
      const item = await db.get('Tab', { pk: 'a', sk: 1 });
      let error;
      try {
        await db.put('Tab', { pk: 'a', sk: 1 }, { ConditionExpression: 'attribute_not_exists(pk)' });
      } catch (e) {
        error = { name: e.name, isError: e instanceof Error };
      }
      const items = await db.query('Tab', { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'a' } }).all();
      const bytes = await db.export();
      await db.close();
      const copy = await open('copy', { storage: 'memory', from: bytes, unmarshallOptions: { wrapNumbers: true } });
      const copied = await copy.get('Tab', { pk: 'a', sk: 1 });
      await copy.close();
      let nodeStorage;
      try { await open('x', { storage: 'node' }); } catch (e) { nodeStorage = e.name; }
      return {
        bytes: [...item.bytes], set: [...item.set], big: String(item.big), error, count: items.length,
        copiedBig: copied.big instanceof NumberValue ? copied.big.toString() : null, nodeStorage,
      };
    });
    assert.deepEqual(result, {
      bytes: [1, 2], set: ['x'], big: '123456789012345678901234567890',
      error: { name: 'ConditionalCheckFailedException', isError: true }, count: 1,
      copiedBig: '123456789012345678901234567890', nodeStorage: 'ValidationException',
    });
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
