// The browser entry point of `keystonedb` (the "browser" condition of the
// exports map, and the default): storage 'opfs' (the default: the engine in
// a Web Worker on one OPFS file, see worker-client.js) and 'memory' (the
// engine in this thread). The worker client is imported on first use, so an
// app using only 'memory' never loads it.

import init, * as wasm from '../pkg/kstone.js';
import { openLocalBackend } from './local-backend.js';
import { checkOptions, validation, wrap } from './open.js';

let loading;
// `new URL(..., import.meta.url)` is the form bundlers follow to ship the .wasm.
const module = () => (loading ??= init({ module_or_path: new URL('../pkg/kstone_bg.wasm', import.meta.url) }).then(() => wasm));

const workerClient = () => import('./worker-client.js');

/** Open a database: storage 'opfs' (default) or 'memory'. */
export async function open(name, options = {}) {
  const opts = checkOptions(name, options, 'opfs');
  if (opts.storage === 'node') throw validation("storage 'node' needs Node; in a browser use 'opfs' or 'memory'");
  const backend = opts.storage === 'memory'
    ? openLocalBackend(await module(), name, opts)
    : await (await workerClient()).openWorkerBackend(name, opts);
  return wrap(backend, name, opts);
}

/** Delete a database: for 'opfs' storage its OPFS file (DatabaseLockedError while it is open). */
export async function deleteDatabase(name, options = {}) {
  const opts = checkOptions(name, options, 'opfs');
  if (opts.storage === 'node') throw validation("storage 'node' needs Node; in a browser use 'opfs' or 'memory'");
  if (opts.storage === 'memory') return; // an in-memory database ends with its handle
  await (await workerClient()).deleteDatabase(name, opts);
}

/** Ask the browser to keep this origin's storage (navigator.storage.persist()). */
export async function persist() {
  return (await workerClient()).persist();
}

/** This origin's storage use and quota (navigator.storage.estimate()). */
export async function estimate() {
  return (await workerClient()).estimate();
}

/** The engine version the wasm module was built from. */
export const engineVersion = async () => (await module()).engineVersion();

export { Database } from './database.js';
export { DatabaseLockedError, QuotaExceededError, toError } from './errors.js';
export { NumberValue, marshall, unmarshall, toAttributeValue, fromAttributeValue } from './marshal.js';
