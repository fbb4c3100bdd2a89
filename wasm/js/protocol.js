// The message protocol between the page and the OPFS worker, shared by
// worker-client.js (the page side) and worker.js (the worker side).
//
// Both directions carry batches, so many concurrent calls cost one message:
//
//   page -> worker   { v: PROTOCOL, calls:   [[id, kind, a, b], ...] }
//   worker -> page   { v: PROTOCOL, results: [[id, ok, value], ...] }
//
// `kind` is one of CALL; `ok` is 1 with the call's value or 0 with a plain
// error object ({ name, message, ...fields }: Error objects lose custom names
// in structured cloning, so errors cross as data). The worker answers the
// calls of one batch in order, and answers batches in the order they came.
// Requests and responses of `execute` are DynamoDB JSON *text*: the engine
// reads and writes text, so the worker parses nothing, and strings are the
// cheapest values to clone.
//
// A version mismatch (a page and a worker from different releases, e.g. a
// stale cached worker script) is refused at `open` instead of misread later.
export const PROTOCOL = 1;

export const CALL = Object.freeze({
  /** a: { name, durability, passphrase, from } -> { created, imported } */
  open: 'open',
  /** a: operation, b: request text -> response text */
  execute: 'execute',
  /** -> Uint8Array of the whole database file (transferred) */
  export: 'export',
  /** -> engine statistics object */
  stats: 'stats',
  /** sync, close the file, release the lock; the worker then exits */
  close: 'close',
});

/** The OPFS file that holds database `name`. */
export function fileName(name) {
  return `${name}.keystone`;
}

/** The Web Lock held by the worker that has database `name` open. */
export function lockName(name) {
  return `keystonedb:${name}`;
}

/**
 * Why `name` cannot name an OPFS database, or null if it can. OPFS entry
 * names may not contain path separators and may not be "." or "..".
 */
export function badName(name) {
  if (typeof name !== 'string' || name.length === 0) return 'a database name must be a non-empty string';
  if (name.length > 200) return 'a database name must be at most 200 characters long';
  if (/[/\\\0]/.test(name)) return `a database name cannot contain '/', '\\' or NUL: '${name}'`;
  if (name === '.' || name === '..') return `'${name}' cannot name a database`;
  return null;
}
