// The engine's file in Node: an object with the five methods of an OPFS
// sync access handle (read/write with { at }, getSize, truncate, flush) over
// Node's synchronous positional fs calls, so the wasm engine's one file
// adapter (wasm/src/js_file.rs) serves Node as it serves OPFS. The file is
// an ordinary .keystone database: the kstone CLI opens it too.
//
// Node has no advisory file locks (flock), so a file is locked against other
// handles of this process only; keep the CLI and a Node process from writing
// the same file at the same time.

import {
  closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { DatabaseLockedError, QuotaExceededError } from './errors.js';

const held = new Set();

// A full disk or quota is a QuotaExceededError, as in the browser; the
// engine keeps every acknowledged write and refuses writes until reopened.
function guard(fn) {
  try {
    return fn();
  } catch (error) {
    if (error?.code === 'ENOSPC' || error?.code === 'EDQUOT') throw new QuotaExceededError(error.message, { cause: error });
    throw error;
  }
}

/** Whether this process has `path` open as a database. */
export function isHeld(path) {
  return held.has(resolve(path));
}

/** Open (creating if needed) the database file at `path`. */
export function openNodeFile(path) {
  const key = resolve(path);
  if (held.has(key)) throw new DatabaseLockedError(`the database file ${path} is already open in this process`);
  const fd = openSync(key, constants.O_RDWR | constants.O_CREAT, 0o644);
  held.add(key);
  let open = true;
  return {
    path: key,
    read: (buffer, { at }) => guard(() => readSync(fd, buffer, 0, buffer.length, at)),
    write: (buffer, { at }) => guard(() => writeSync(fd, buffer, 0, buffer.length, at)),
    getSize: () => fstatSync(fd).size,
    truncate: (size) => guard(() => ftruncateSync(fd, size)),
    flush: () => guard(() => fsyncSync(fd)),
    close() {
      if (!open) return;
      open = false;
      held.delete(key);
      closeSync(fd);
    },
  };
}
