// Helpers the browser tests call inside the page (as window.t).
export * from '/keystonedb/js/worker-client.js';
import { DatabaseLockedError, QuotaExceededError } from '/keystonedb/js/errors.js';

export const NOTES = {
  TableName: 'Notes',
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};

export function note(i, text = `note ${i}`) {
  return { TableName: 'Notes', Item: { id: { S: `n${String(i).padStart(6, '0')}` }, text: { S: text } } };
}

/** Every item of `table`, following LastEvaluatedKey. */
export async function scanAll(db, table = 'Notes') {
  const items = [];
  let start;
  do {
    const page = await db.send('Scan', { TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) });
    items.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A thrown error as data the test can compare. */
export async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return {
      name: error.name,
      message: error.message,
      isError: error instanceof Error,
      isPackageClass: error instanceof DatabaseLockedError || error instanceof QuotaExceededError,
    };
  }
}

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
