// The Node entry point of `keystonedb` (the "node" condition of the exports
// map): storage 'node' (the default: a .keystone file on disk) and 'memory'.
// The wasm module is the one the browser loads, read from disk here.

import { readFileSync, rmSync } from 'node:fs';
import * as wasm from '../pkg/kstone.js';
import { openLocalBackend } from './local-backend.js';
import { isHeld, openNodeFile } from './node-file.js';
import { checkOptions, validation, wrap } from './open.js';
import { DatabaseLockedError, toError } from './errors.js';

let loaded = false;
function module() {
  if (!loaded) {
    wasm.initSync({ module: readFileSync(new URL('../pkg/kstone_bg.wasm', import.meta.url)) });
    loaded = true;
  }
  return wasm;
}

/**
 * Open a database. In Node, `storage` is 'node' (default; the file is
 * `options.path`, else the name itself) or 'memory'.
 */
export async function open(name, options = {}) {
  const opts = checkOptions(name, options, 'node');
  if (opts.storage === 'opfs') throw validation("storage 'opfs' needs a browser; in Node use 'node' or 'memory'");
  if (opts.storage === 'memory') {
    return wrap(openLocalBackend(module(), name, opts), name, opts);
  }
  const file = openNodeFile(opts.path ?? name);
  try {
    if (opts.from !== undefined) {
      if (file.getSize() !== 0) {
        throw toError({
          name: 'ResourceInUseException',
          message: `${file.path} already holds a database; delete it first to import another`,
        });
      }
      for (let done = 0; done < opts.from.length;) {
        done += file.write(opts.from.subarray(done), { at: done });
      }
      file.flush();
    }
    return wrap(openLocalBackend(module(), name, { ...opts, from: undefined, file }), name, opts);
  } catch (error) {
    file.close();
    throw toError(error);
  }
}

/** Delete a database: for 'node' storage its file (a missing file is not an error). */
export async function deleteDatabase(name, options = {}) {
  const opts = checkOptions(name, options, 'node');
  if (opts.storage === 'opfs') throw validation("storage 'opfs' needs a browser; in Node use 'node' or 'memory'");
  if (opts.storage === 'memory') return; // an in-memory database ends with its handle
  const path = opts.path ?? name;
  if (isHeld(path)) throw new DatabaseLockedError(`the database file ${path} is open; close it first`);
  rmSync(path, { force: true });
}

/** The engine version the wasm module was built from. */
export const engineVersion = async () => module().engineVersion();

export { Database } from './database.js';
export { DatabaseLockedError, QuotaExceededError, toError } from './errors.js';
export { NumberValue, marshall, unmarshall, toAttributeValue, fromAttributeValue } from './marshal.js';
