// The engine in this thread: a Backend (see backend.d.ts) over the
// wasm-bindgen `Database`. Requests cross into wasm as JSON text (one
// stringify in, one parse out), errors come out as Errors named after the
// DynamoDB exception (wasm/src/error.rs) and pass through `toError`.
//
// With 'group' durability the engine syncs when enough log has built up, but
// the browser build has no clock to notice that 100 ms have passed; so after
// a write this backend asks the engine for one `maintain()` step a little
// later, which syncs what is still unsynced (and releases freed space).

import { toError } from './errors.js';

const MAINTAIN_DELAY_MS = 100;

// What the engine reports for a call on a closed database (StorageError::Closed);
// once closed the wasm object is freed, so this side answers.
const closedError = () => toError({
  name: 'InternalServerError',
  message: 'the database is closed',
  type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
});

export function openLocalBackend(wasm, name, options = {}) {
  const { file, durability, passphrase, from } = options;
  let db;
  try {
    db = file
      ? wasm.Database.openFile(file, durability, passphrase)
      : wasm.Database.openMemory(from, durability, passphrase);
  } catch (error) {
    throw toError(error);
  }
  let closed = false;
  let timer = null;

  const maintainSoon = () => {
    if (timer !== null || durability === 'sync' || durability === 'none') return;
    timer = setTimeout(() => {
      timer = null;
      // A failure here (e.g. a full disk) is reported by the next call too:
      // the engine refuses writes after a failed sync until reopened.
      if (!closed) try { db.maintain(); } catch { /* reported by the next call */ }
    }, MAINTAIN_DELAY_MS);
    // In Node, a pending sync must not keep the process alive; close() syncs anyway.
    timer.unref?.();
  };

  const call = (fn) => {
    if (closed) return Promise.reject(closedError());
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toError(error));
    }
  };

  return {
    name,
    send(operation, request) {
      return call(() => {
        const response = JSON.parse(db.execute(operation, JSON.stringify(request ?? {})));
        maintainSoon();
        return response;
      });
    },
    export() {
      return call(() => db.exportFile());
    },
    stats() {
      return call(() => JSON.parse(db.stats()));
    },
    close() {
      if (closed) return Promise.resolve();
      return call(() => {
        closed = true;
        if (timer !== null) clearTimeout(timer);
        try {
          db.close();
        } finally {
          db.free();
          file?.close?.();
        }
      });
    },
  };
}
