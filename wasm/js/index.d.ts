// Types of the `keystonedb` package (both the Node and the browser entry).

import type { DatabaseStats } from './backend.js';
import type { CancellationReason, KeystoneError } from './errors.js';

export type { DatabaseStats, CancellationReason, KeystoneError };
export { DatabaseLockedError, QuotaExceededError, toError } from './errors.js';

/** A DynamoDB AttributeValue in DynamoDB JSON (B and BS as base64 text). */
export type AttributeValue =
  | { S: string } | { N: string } | { B: string } | { BOOL: boolean } | { NULL: true }
  | { SS: string[] } | { NS: string[] } | { BS: string[] }
  | { L: AttributeValue[] } | { M: Record<string, AttributeValue> };

/** An item in DynamoDB JSON. */
export type AttributeMap = Record<string, AttributeValue>;

/** A plain value the document API stores. */
export type NativeValue =
  | string | number | bigint | boolean | null | NumberValue | Uint8Array | ArrayBufferView | ArrayBuffer
  | Set<string> | Set<number> | Set<bigint> | Set<NumberValue> | Set<Uint8Array>
  | NativeValue[] | Map<string, NativeValue> | { [key: string]: NativeValue | undefined };

/** A plain item (what `get` returns and `put` takes). */
export type Item = Record<string, any>;

/** A DynamoDB number kept as its exact decimal text (up to 38 digits). */
export declare class NumberValue {
  constructor(value: string | number | bigint | { N: string });
  static from(value: string | number | bigint | { N: string }): NumberValue;
  readonly value: string;
  toString(): string;
  valueOf(): string;
  toJSON(): string;
  toBigInt(): bigint;
  toAttributeValue(): { N: string };
}

/** Options of `marshall` (those of @aws-sdk/util-dynamodb). */
export interface MarshallOptions {
  /** Empty strings, binaries and sets become NULL. */
  convertEmptyValues?: boolean;
  /** Leave out undefined values of maps, lists and sets instead of throwing. */
  removeUndefinedValues?: boolean;
  /** Marshall class instances as maps of their enumerable properties. */
  convertClassInstanceToMap?: boolean;
  /** Accept numbers beyond 2^53 (they are stored as JS prints them). */
  allowImpreciseNumbers?: boolean;
  /** Return a top-level object or array wrapped as `{ M }` / `{ L }`. */
  convertTopLevelContainer?: boolean;
}

/** Options of `unmarshall` (those of @aws-sdk/util-dynamodb). */
export interface UnmarshallOptions {
  /** Numbers as NumberValue (lossless), or through this function of their text. */
  wrapNumbers?: boolean | ((text: string) => unknown);
  /** The input is one AttributeValue, not an item. */
  convertWithoutMapWrapper?: boolean;
}

export declare function marshall(value: Record<string, any>, options?: MarshallOptions): AttributeMap;
export declare function marshall(value: unknown, options?: MarshallOptions): AttributeMap | AttributeValue;
export declare function unmarshall(item: AttributeMap, options?: UnmarshallOptions): Item;
export declare function toAttributeValue(value: unknown, options?: MarshallOptions): AttributeValue;
export declare function fromAttributeValue(value: AttributeValue, options?: UnmarshallOptions): unknown;

export interface OpenOptions {
  /** Browser default 'opfs' (a Web Worker on one OPFS file); Node default 'node' (a file on disk). */
  storage?: 'opfs' | 'memory' | 'node';
  /** For 'node' storage: the file (default: the name itself). */
  path?: string;
  /** When a write is durable: 'sync' before it is acknowledged, 'group' (default) within ~100 ms, 'none' at close. */
  durability?: 'sync' | 'group' | 'none';
  /** Encrypt the database (new) or decrypt it (existing) with this passphrase. */
  passphrase?: string;
  /** A database file (e.g. from `db.export()` or the CLI) to start from; the target must be new or empty. */
  from?: Uint8Array | ArrayBuffer;
  /** How the document API marshalls plain values. */
  marshallOptions?: MarshallOptions;
  /** How the document API unmarshalls items (e.g. `{ wrapNumbers: true }` for lossless numbers). */
  unmarshallOptions?: UnmarshallOptions;
}

type Params = Record<string, any>;

/** What `query` and `scan` return: iterate items, pages, or collect them all. */
export interface Paged extends AsyncIterable<Item> {
  pages(): AsyncGenerator<{ Items: Item[]; Count: number; ScannedCount: number; LastEvaluatedKey?: Item }>;
  all(): Promise<Item[]>;
}

export type WriteAction =
  | { Put: { TableName: string; Item: Item } & Params }
  | { Update: { TableName: string; Key: Item; UpdateExpression: string } & Params }
  | { Delete: { TableName: string; Key: Item } & Params }
  | { ConditionCheck: { TableName: string; Key: Item; ConditionExpression: string } & Params };

export declare class Database {
  private constructor();
  readonly name: string;
  /** Any DynamoDB operation, request and response in DynamoDB JSON (as on the wire). */
  send(operation: string, request?: object): Promise<Record<string, any>>;
  /** The whole database file: it opens in the kstone CLI and with `open(name, { from })`. */
  export(): Promise<Uint8Array>;
  stats(): Promise<DatabaseStats>;
  /** Sync and close; later calls reject. Closing twice is harmless. */
  close(): Promise<void>;

  /** CreateTable with a full request; resolves to the TableDescription. */
  createTable(request: Params): Promise<Record<string, any>>;
  /** CreateTable shorthand: `{ pk: 'S', sk: 'N' }` is the partition then the sort key; on-demand billing unless `extra` says otherwise. */
  createTable(name: string, keys: Record<string, 'S' | 'N' | 'B'>, extra?: Params): Promise<Record<string, any>>;
  deleteTable(name: string): Promise<Record<string, any>>;
  describeTable(name: string): Promise<Record<string, any>>;
  listTables(): Promise<string[]>;

  /** PutItem; the old item with `ReturnValues: 'ALL_OLD'`. */
  put(table: string, item: Item, options?: Params): Promise<Item | undefined>;
  /** GetItem; undefined when there is no such item. */
  get(table: string, key: Item, options?: Params): Promise<Item | undefined>;
  /** UpdateItem; the attributes `ReturnValues` asks for. */
  update(table: string, key: Item, options: Params & { UpdateExpression: string }): Promise<Item | undefined>;
  /** DeleteItem; the old item with `ReturnValues: 'ALL_OLD'`. */
  delete(table: string, key: Item, options?: Params): Promise<Item | undefined>;
  /** Query, paging for you (`Limit` caps each page). */
  query(table: string, options: Params & { KeyConditionExpression: string }): Paged;
  /** Scan, paging for you (`Limit` caps each page). */
  scan(table: string, options?: Params): Paged;
  /** BatchGetItem over any number of keys; resolves to the items per table. */
  batchGet(requestItems: Record<string, { Keys: Item[] } & Params>): Promise<Record<string, Item[]>>;
  /** BatchWriteItem over any number of writes. */
  batchWrite(requestItems: Record<string, Array<{ PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } }>>): Promise<void>;
  /** TransactWriteItems; a failure is a TransactionCanceledException with `cancellationReasons`. */
  transactWrite(actions: WriteAction[], options?: Params): Promise<void>;
  /** TransactGetItems; the items in order, undefined where missing. */
  transactGet(gets: Array<{ Get: { TableName: string; Key: Item } & Params }>, options?: Params): Promise<Array<Item | undefined>>;
  /** ExecuteStatement with `?` parameters; the items a SELECT returns (all pages). */
  partiql(statement: string, parameters?: unknown[], options?: Params): Promise<Item[]>;
}

/** Open (creating if needed) a database. */
export declare function open(name: string, options?: OpenOptions): Promise<Database>;
/** Delete a database's storage ('opfs' file or 'node' file); DatabaseLockedError while open. */
export declare function deleteDatabase(name: string, options?: OpenOptions): Promise<void>;
/** The engine version the wasm module was built from. */
export declare function engineVersion(): Promise<string>;
/** Browser only: navigator.storage.persist(). */
export declare function persist(): Promise<boolean>;
/** Browser only: navigator.storage.estimate(). */
export declare function estimate(): Promise<{ usage?: number; quota?: number }>;
