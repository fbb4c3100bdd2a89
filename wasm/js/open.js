// What `open` and `deleteDatabase` share between the Node and browser
// entry points: option checks and the Database around a backend.

import { Database } from './database.js';
import { validationError as validation } from './errors.js';

export { validation };

const STORAGES = ['opfs', 'memory', 'node'];

/** The checked options, with `storage` defaulted and `from` as a Uint8Array. */
export function checkOptions(name, options, defaultStorage) {
  if (typeof name !== 'string' || name.length === 0) throw validation('the database name must be a non-empty string');
  const storage = options?.storage ?? defaultStorage;
  if (!STORAGES.includes(storage)) {
    throw validation(`storage must be 'opfs', 'memory' or 'node', not '${storage}'`);
  }
  let from = options?.from;
  if (from !== undefined) {
    if (from instanceof ArrayBuffer) from = new Uint8Array(from);
    else if (ArrayBuffer.isView(from)) from = new Uint8Array(from.buffer, from.byteOffset, from.byteLength);
    else throw validation('from must be a Uint8Array or ArrayBuffer holding a database file');
  }
  return { ...options, storage, from };
}

/** The public Database over `backend`. */
export const wrap = (backend, name, options) => new Database(backend, name, options);
