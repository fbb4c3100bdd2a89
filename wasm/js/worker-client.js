// The page side of the OPFS storage: starts the worker (worker.js) that owns
// the database file and talks to it through the batched protocol of
// protocol.js.
//
// Batching and pipelining: every call is queued and the queue goes out as one
// postMessage at the end of the current task's microtasks, so the 1,000 calls
// of a `Promise.all` cost one message each way instead of 1,000. The page
// never waits for an answer before sending more: batches queue up in the
// worker, which answers each batch with one message. One awaited call still
// costs one round trip (about 0.03 ms here); it is the fan-out that gets cheap.
//
// Everything here also runs on a page without COOP/COEP headers: no
// SharedArrayBuffer, only postMessage.
import { PROTOCOL, CALL, fileName, lockName, badName } from './protocol.js';
import { toError, validationError } from './errors.js';

function named(name, message) {
  return toError({ name, message });
}

function locked(name) {
  return named('DatabaseLockedError', `database '${name}' is open in another tab or worker`);
}

function checkName(name) {
  const bad = badName(name);
  if (bad) throw validationError(bad);
}

/**
 * The call queue of one worker. `batch: false` posts every call on its own
 * (for comparison and diagnosis; the worker answers each message separately).
 */
class Channel {
  constructor(worker, { batch = true } = {}) {
    this.worker = worker;
    this.batch = batch;
    this.nextId = 1;
    this.pending = new Map();
    this.queue = [];
    this.transfer = [];
    this.scheduled = false;
    this.dead = null;
    this.messages = { sent: 0, received: 0 };
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.fail(named('InternalServerError', `the database worker failed: ${event.message || 'it could not start'}`));
    };
    worker.onmessageerror = () => this.fail(named('InternalServerError', 'a message from the database worker could not be read'));
  }

  call(kind, a, b, transfer) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.queue.push([id, kind, a, b]);
    if (transfer) this.transfer.push(...transfer);
    if (!this.batch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return answer;
  }

  flush() {
    this.scheduled = false;
    if (this.queue.length === 0 || this.dead) return;
    const calls = this.queue;
    const transfer = this.transfer;
    this.queue = [];
    this.transfer = [];
    this.messages.sent++;
    this.worker.postMessage({ v: PROTOCOL, calls }, transfer);
  }

  receive(message) {
    this.messages.received++;
    if (message?.v !== PROTOCOL || !Array.isArray(message.results)) {
      this.fail(named('ProtocolMismatchError', `the database worker speaks protocol ${message?.v}, this page ${PROTOCOL}: load both from the same release`));
      return;
    }
    for (const [id, ok, value] of message.results) {
      const waiter = this.pending.get(id);
      if (!waiter) continue;
      this.pending.delete(id);
      if (ok) waiter.resolve(value);
      else waiter.reject(toError(value));
    }
  }

  /** Reject everything pending and everything later with `error`. */
  fail(error) {
    this.dead ??= error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    this.queue = [];
  }
}

function startWorker(options) {
  // The literal `new Worker(new URL('./worker.js', import.meta.url), …)` is
  // the pattern Vite and webpack 5 recognise to bundle the worker.
  if (options.workerUrl) return new Worker(options.workerUrl, { type: 'module', name: 'keystonedb' });
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'keystonedb' });
}

/**
 * Open database `name` in its own worker on OPFS.
 *
 * options: durability ('sync' | 'group' | 'none'), passphrase, from
 * (Uint8Array: a database file to import into a new database), workerUrl
 * (where worker.js is served, for bundlers that do not follow
 * `new URL(…, import.meta.url)`), batch (false: one message per call).
 *
 * Resolves to the backend { send, export, stats, close, terminate, messages }.
 */
export async function openWorkerBackend(name, options = {}) {
  checkName(name);
  if (typeof Worker === 'undefined') {
    throw validationError("storage 'opfs' needs Web Workers (a browser page); use storage 'memory' or 'node' here");
  }
  const worker = startWorker(options);
  const channel = new Channel(worker, { batch: options.batch !== false });
  const from = options.from ?? undefined;
  if (from !== undefined && !(from instanceof Uint8Array)) {
    worker.terminate();
    throw validationError('from must be a Uint8Array holding a database file');
  }
  let opened;
  try {
    opened = await channel.call(CALL.open, {
      name,
      durability: options.durability,
      passphrase: options.passphrase,
      from,
    });
  } catch (error) {
    worker.terminate();
    throw error;
  }
  let closed = null;
  const ensureOpen = () => {
    if (closed) throw named('InternalServerError', 'the database is closed');
  };
  return {
    name,
    storage: 'opfs',
    created: opened.created,
    imported: opened.imported,
    /** Messages posted to and received from the worker so far. */
    messages: channel.messages,
    /** Run one DynamoDB operation; resolves to the response object. */
    async send(operation, request) {
      ensureOpen();
      const text = await channel.call(CALL.execute, String(operation), JSON.stringify(request ?? {}));
      return JSON.parse(text);
    },
    /** The whole database file (every acknowledged write synced first). */
    async export() {
      ensureOpen();
      return channel.call(CALL.export);
    },
    async stats() {
      ensureOpen();
      return { storage: 'opfs', name, ...(await channel.call(CALL.stats)) };
    },
    /** Sync, close the file, release the lock and stop the worker. Idempotent. */
    close() {
      closed ??= channel.call(CALL.close).finally(() => {
        channel.fail(named('InternalServerError', 'the database is closed'));
        worker.terminate();
      });
      return closed.then(() => undefined);
    },
    /**
     * Stop the worker at once, as a crashed tab would: nothing is closed or
     * synced. What survives is what the durability mode promised; the lock
     * is released, and the next open recovers the file.
     */
    terminate() {
      worker.terminate();
      channel.fail(named('InternalServerError', 'the database worker was terminated'));
      closed ??= Promise.resolve();
    },
  };
}

/**
 * Delete OPFS database `name`. Resolves to true if it existed. Fails with
 * DatabaseLockedError while any tab or worker has it open.
 */
export async function deleteDatabase(name) {
  checkName(name);
  return navigator.locks.request(lockName(name), { ifAvailable: true }, async (lock) => {
    if (!lock) throw locked(name);
    const dir = await navigator.storage.getDirectory();
    try {
      await dir.removeEntry(fileName(name));
      return true;
    } catch (error) {
      if (error?.name === 'NotFoundError') return false;
      if (error?.name === 'NoModificationAllowedError') throw locked(name);
      throw error;
    }
  });
}

export { deleteDatabase as deleteWorkerDatabase };

/**
 * Ask the browser to keep this origin's storage under pressure
 * (navigator.storage.persist()). Resolves to whether it is persistent now.
 */
export async function persist() {
  if (!globalThis.navigator?.storage?.persist) return false;
  return navigator.storage.persist();
}

/** The origin's storage usage and quota (navigator.storage.estimate()). */
export async function estimate() {
  if (!globalThis.navigator?.storage?.estimate) {
    throw validationError('navigator.storage.estimate() is not available here');
  }
  return navigator.storage.estimate();
}
