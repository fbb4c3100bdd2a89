// The OPFS worker: a dedicated module Web Worker that owns one database.
//
// Why a worker: the engine needs synchronous positional reads and writes, and
// OPFS offers those only through FileSystemSyncAccessHandle, which exists only
// in dedicated workers. The handle is opened once, at `open` (creating it is
// asynchronous, its methods are not), and handed to the engine as its file.
//
// Exclusivity: the worker takes the Web Lock `keystonedb:<name>` before it
// touches the file and holds it until `close`, or until the worker dies (a
// terminated worker or a closed tab releases it). A second open anywhere in
// the origin finds the lock taken and fails with DatabaseLockedError; the
// sync access handle's own exclusive lock backs this up.
//
// Durability 'sync' is group commit across requests: the engine runs with
// durability 'none' and the worker calls `sync()` once after each batch of
// calls, before it posts any of the batch's answers. Nothing is acknowledged
// before a flush() covers it, and a batch of 1,000 writes costs one flush,
// not 1,000. 'group' and 'none' are the engine's own modes; the worker runs
// the engine's deferred work (the due group sync, compaction) from an idle
// timer, since wasm here has no threads.
//
// Storage failures (a full quota, an I/O error) poison the engine's handle:
// it refuses writes until reopened, and its memory may hold a write the file
// never got. So after one, the worker drops the handle and reopens the
// database from the file, which recovers exactly the acknowledged state;
// later calls work again once there is space.
import init, { Database } from '../pkg/kstone.js';
import { PROTOCOL, CALL, fileName, lockName, badName } from './protocol.js';
import { errorToPlain, toError } from './errors.js';

/** How long to wait for the file's access handle when the lock was free:
 * a worker terminated inside a write loop lets go of it ~2 s later. */
const HANDLE_WAIT_MS = 4000;
/** How long an open waits for a lock whose holder is letting go of it. */
const LOCK_GRACE_MS = 250;
/** The idle delay before deferred work runs (the group-commit interval). */
const MAINTAIN_DELAY_MS = 100;

let db = null;
let handle = null;
let releaseLock = null;
/** Settles once the lock is released. */
let lockReleased = Promise.resolve();
/** { name, engineDurability, passphrase, syncEachBatch } once open. */
let settings = null;
/** Set when the database could not be reopened after a storage failure. */
let broken = null;
let maintenanceTimer = null;
let exiting = false;
/** Batches are served strictly in arrival order, `open` included. */
let chain = Promise.resolve();

function named(name, message) {
  return toError({ name, message });
}

/** An error as structured-cloneable data (errors cross as plain objects). */
const wireError = errorToPlain;

/** Errors after which the engine handle must be replaced (see the top). */
function isStorageFailure(error) {
  return error?.name === 'InternalServerError' || error?.name === 'QuotaExceededError';
}

/** One try at the lock; resolves to whether it is now held. */
function tryLock(name) {
  return new Promise((resolve, reject) => {
    const request = navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(false);
        return undefined;
      }
      // Held until this promise resolves (close) or the worker dies.
      const held = new Promise((release) => { releaseLock = release; });
      resolve(true);
      return held;
    });
    lockReleased = request.catch(() => {});
    request.catch(reject);
  });
}

/**
 * The database's lock, waiting briefly for a holder that is going away: a
 * closed database, or the worker of a page being reloaded, lets go of it
 * asynchronously. A live holder keeps it, and the open fails.
 */
async function takeLock(name) {
  const deadline = Date.now() + LOCK_GRACE_MS;
  for (;;) {
    if (await tryLock(name)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resume) => setTimeout(resume, 25));
  }
}

/** Release the lock; resolves once the lock manager has it back. */
function dropLock() {
  if (releaseLock) releaseLock();
  releaseLock = null;
  return lockReleased;
}

function locked(name) {
  return named('DatabaseLockedError', `database '${name}' is open in another tab or worker`);
}

async function openHandle(fileHandle, name) {
  const deadline = Date.now() + HANDLE_WAIT_MS;
  for (;;) {
    try {
      return await fileHandle.createSyncAccessHandle();
    } catch (error) {
      if (error?.name !== 'NoModificationAllowedError') throw error;
      if (Date.now() >= deadline) throw locked(name);
      await new Promise((resume) => setTimeout(resume, 50));
    }
  }
}

async function openDatabase({ name, durability, passphrase, from }) {
  if (settings) throw named('ValidationException', 'this worker already has a database open');
  const bad = badName(name);
  if (bad) throw named('ValidationException', bad);
  await init();
  if (!(await takeLock(lockName(name)))) throw locked(name);
  let dir = null;
  let size = -1;
  try {
    dir = await navigator.storage.getDirectory();
    const fileHandle = await dir.getFileHandle(fileName(name), { create: true });
    handle = await openHandle(fileHandle, name);
    size = handle.getSize();
    let imported = false;
    if (from !== undefined && from !== null) {
      if (size > 0) {
        throw named('ResourceInUseException', `database '${name}' already exists; delete it before importing into that name`);
      }
      const bytes = from instanceof Uint8Array ? from : new Uint8Array(from);
      for (let at = 0; at < bytes.length;) {
        const written = handle.write(bytes.subarray(at), { at });
        if (!(written > 0)) throw named('InternalServerError', 'the database file accepted no bytes during the import');
        at += written;
      }
      handle.flush();
      imported = true;
    }
    const syncEachBatch = durability === 'sync';
    const engineDurability = syncEachBatch ? 'none' : durability ?? undefined;
    db = Database.openFile(handle, engineDurability, passphrase ?? undefined);
    settings = { name, engineDurability, passphrase: passphrase ?? undefined, syncEachBatch };
    return { created: size === 0 && !imported, imported, fileBytes: handle.getSize() };
  } catch (error) {
    db = null;
    if (handle) {
      try {
        handle.close();
      } catch { /* the open error is the one to report */ }
      handle = null;
    }
    // A file this open created (or filled) and could not use is removed again.
    if (size === 0 && dir) await dir.removeEntry(fileName(name)).catch(() => {});
    dropLock();
    throw error;
  }
}

/** Replace the engine handle after a storage failure (see the top). */
function reopen() {
  try {
    db?.free();
  } catch { /* a handle that cannot drop cleanly is dropped anyway */ }
  db = null;
  try {
    db = Database.openFile(handle, settings.engineDurability, settings.passphrase);
    broken = null;
  } catch (error) {
    broken = wireError(error);
  }
}

function usable() {
  if (db) return db;
  if (broken) throw toError(broken);
  throw named('InternalServerError', settings ? 'the database is closed' : 'the database is not open');
}

function scheduleMaintenance() {
  if (maintenanceTimer !== null || exiting) return;
  maintenanceTimer = setTimeout(maintain, MAINTAIN_DELAY_MS);
}

function maintain() {
  maintenanceTimer = null;
  if (!db) return;
  let more = false;
  try {
    more = db.maintain();
  } catch (error) {
    if (isStorageFailure(error)) reopen();
    return;
  }
  // One step at a time, so requests that arrive meanwhile are not held up.
  if (more) maintenanceTimer = setTimeout(maintain, 0);
}

/** Close the engine (it syncs), then the file, then release the lock: in
 * that order, so whoever gets the lock next finds the file complete. */
async function closeDatabase() {
  if (maintenanceTimer !== null) clearTimeout(maintenanceTimer);
  maintenanceTimer = null;
  exiting = true;
  try {
    if (db) db.close();
  } finally {
    db?.free();
    db = null;
    try {
      handle?.close();
    } catch { /* the handle goes with the worker in any case */ }
    handle = null;
    await dropLock();
  }
}

async function serve(message) {
  const calls = Array.isArray(message?.calls) ? message.calls : [];
  const results = [];
  const transfer = [];
  if (message?.v !== PROTOCOL) {
    const error = { name: 'ProtocolMismatchError', message: `the page speaks protocol ${message?.v}, this worker ${PROTOCOL}: load both from the same release` };
    for (const [id] of calls) results.push([id, 0, error]);
    self.postMessage({ v: PROTOCOL, results });
    return;
  }
  let executed = false;
  /** The first storage failure of this batch (wire form), if any. */
  let failure = null;
  /** Indexes in `results` of executes that succeeded. */
  const answered = [];
  for (const [id, kind, a, b] of calls) {
    try {
      switch (kind) {
        case CALL.open:
          results.push([id, 1, await openDatabase(a ?? {})]);
          break;
        case CALL.execute:
          executed = true;
          results.push([id, 1, usable().execute(a, b)]);
          answered.push(results.length - 1);
          break;
        case CALL.export: {
          const bytes = usable().exportFile();
          transfer.push(bytes.buffer);
          results.push([id, 1, bytes]);
          break;
        }
        case CALL.stats:
          results.push([id, 1, { ...JSON.parse(usable().stats()), durability: settings.syncEachBatch ? 'sync' : settings.engineDurability ?? 'group' }]);
          break;
        case CALL.close:
          if (settings && !exiting) await closeDatabase();
          results.push([id, 1, null]);
          break;
        default:
          results.push([id, 0, { name: 'ValidationException', message: `unknown worker call '${kind}'` }]);
      }
    } catch (error) {
      const wire = wireError(error);
      if (isStorageFailure(error)) failure ??= wire;
      results.push([id, 0, wire]);
    }
  }
  if (executed && db && settings.syncEachBatch) {
    if (!failure) {
      try {
        db.sync();
      } catch (error) {
        failure = wireError(error);
      }
    }
    // Nothing of this batch may be acknowledged unless a flush covered it.
    if (failure) for (const i of answered) results[i] = [results[i][0], 0, failure];
  }
  if (failure && db) reopen();
  self.postMessage({ v: PROTOCOL, results }, transfer);
  if (exiting) self.close();
  else if (executed) scheduleMaintenance();
}

self.onmessage = (event) => {
  const message = event.data;
  chain = chain.then(() => serve(message)).catch((error) => {
    // serve() answers every call itself; this is a bug, so make it loud.
    console.error('keystonedb worker:', error);
  });
};
