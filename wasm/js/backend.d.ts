// The contract between the public `Database` (database.js) and whatever runs
// the engine. `Database` and its whole document API sit on `send`, so they
// behave identically whether the engine is in this thread (local-backend.js:
// storage 'memory' and 'node') or in a Web Worker (worker-client.js: storage
// 'opfs'). browser.js imports worker-client.js on first use and calls:
//
//   openWorkerBackend(name, options: OpenOptions): Promise<Backend>
//       (rejects with DatabaseLockedError when another tab holds the file)
//   deleteDatabase(name, options: OpenOptions): Promise<void>
//       (removes the OPFS file; DatabaseLockedError while it is open)
//   persist(): Promise<boolean>             navigator.storage.persist()
//   estimate(): Promise<StorageEstimate>    navigator.storage.estimate()

import type { PlainError } from './errors.js';

/** The engine's statistics (`db.stats()`). */
export interface DatabaseStats {
  /** Sequence number of the last committed batch. */
  seqno: number;
  /** Live keys, estimated (overwritten versions not yet compacted count twice). */
  keysEstimate: number;
  memtableEntries: number;
  memtableBytes: number;
  /** Bytes of the SST extents. */
  sstBytes: number;
  /** Bytes of keys and values in SSTs before framing and compression. */
  sstRawBytes: number;
  sstsPerLevel: number[];
  bytesPerLevel: number[];
  /** Bytes of WAL records since the last flush. */
  walBytes: number;
  /** Size of the database file. */
  fileBytes: number;
  /** Bytes inside the file no structure uses (reusable). */
  freeBytes: number;
  flushes: number;
  compactions: number;
  bytesReclaimed: number;
  cacheHits: number;
  cacheMisses: number;
  cacheHitRate: number;
  /** Batches replayed from the WAL when this database opened. */
  replayedBatches: number;
}

/**
 * One open database, wherever its engine runs. Every method rejects with an
 * Error built by `toError` (errors.js): `.name` is the DynamoDB exception
 * name (or DatabaseLockedError / QuotaExceededError), plus `.message`,
 * `.type`, and `.cancellationReasons` for TransactionCanceledException.
 * After `close()` resolves, every call rejects with an InternalServerError
 * ("the database is closed"); `close()` itself may be called again.
 */
export interface Backend {
  /** One DynamoDB operation; request and response are DynamoDB JSON objects. */
  send(operation: string, request: object): Promise<Record<string, unknown>>;
  /** The whole database file, synced first: opens in the CLI and with `open(name, { from })`. */
  export(): Promise<Uint8Array>;
  stats(): Promise<DatabaseStats>;
  /** Sync and release the file (and, for OPFS, its lock). */
  close(): Promise<void>;
}

/** The five methods of an OPFS `FileSystemSyncAccessHandle`, which the engine's file adapter calls. */
export interface SyncFile {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  truncate(size: number): void;
  flush(): void;
  /** Called by the backend's close(), after the final sync, when present. */
  close?(): void;
}

export interface LocalBackendOptions {
  /** The file to store the database in; without it the database lives in memory. */
  file?: SyncFile;
  durability?: 'sync' | 'group' | 'none';
  passphrase?: string;
  /** For an in-memory database: a database file image to start from. */
  from?: Uint8Array;
}

/**
 * The engine in this thread. `wasm` is the initialised wasm-bindgen module
 * (`../pkg/kstone.js` after init). Used by the main-thread entry points for
 * 'memory' and 'node' storage, and usable inside a worker with an OPFS
 * handle as `file`. With 'group' durability it syncs unsynced writes about
 * 100 ms after the last one (the browser build of the engine has no clock).
 */
export declare function openLocalBackend(wasm: unknown, name: string, options?: LocalBackendOptions): Backend;

export type { PlainError };
