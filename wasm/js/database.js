// The public `Database`: `send` for raw DynamoDB JSON, and a document API on
// plain JavaScript values (marshal.js) built entirely on `send`, so it works
// the same whether the engine runs in this thread or in a worker.
//
// Document methods take the DynamoDB request's own field names for their
// options (ConditionExpression, ExpressionAttributeNames, ReturnValues, ...),
// with plain values where DynamoDB wants AttributeValues (Item, Key,
// ExpressionAttributeValues, ExclusiveStartKey), and return plain values.

import { marshall, unmarshall, toAttributeValue, fromAttributeValue } from './marshal.js';
import { validationError as validation } from './errors.js';

// DynamoDB's per-request limits, which batchGet/batchWrite split requests by.
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
// Unprocessed keys/items are sent again at most this many times.
const BATCH_RETRIES = 10;

const chunks = (list, size) => {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};

export class Database {
  #backend;
  #marshallOptions;
  #unmarshallOptions;

  /** Use `open()`; this wraps a backend (backend.d.ts). */
  constructor(backend, name, options = {}) {
    this.#backend = backend;
    this.name = name;
    this.#marshallOptions = options.marshallOptions;
    this.#unmarshallOptions = options.unmarshallOptions;
  }

  /** Any DynamoDB operation, request and response in DynamoDB JSON. */
  send(operation, request = {}) {
    return this.#backend.send(operation, request);
  }

  /** The whole database file: it opens in the CLI and with `open(name, { from })`. */
  export() {
    return this.#backend.export();
  }

  stats() {
    return this.#backend.stats();
  }

  close() {
    return this.#backend.close();
  }

  // -- marshalling of request and response parts --------------------------

  #item(value) {
    return marshall(value, this.#marshallOptions);
  }

  #plain(item) {
    return item === undefined ? undefined : unmarshall(item, this.#unmarshallOptions);
  }

  /** A request with its Item, Key, ExpressionAttributeValues and ExclusiveStartKey marshalled. */
  #request(params) {
    const request = { ...params };
    for (const field of ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey']) {
      if (request[field] !== undefined) request[field] = this.#item(request[field]);
    }
    return request;
  }

  // -- tables --------------------------------------------------------------

  /**
   * `createTable(request)` with a CreateTable request, or the shorthand
   * `createTable(name, { pk: 'S', sk: 'N' }, extra?)`: the first key is the
   * partition key, the second (if any) the sort key, each with its type
   * (S, N or B); on-demand billing unless `extra` says otherwise.
   * Resolves to the TableDescription.
   */
  async createTable(nameOrRequest, keys, extra = {}) {
    let request = nameOrRequest;
    if (typeof nameOrRequest === 'string') {
      const entries = Object.entries(keys ?? {});
      if (entries.length < 1 || entries.length > 2) {
        throw validation('createTable(name, keys): keys names the partition key and optionally the sort key, e.g. { pk: "S", sk: "N" }');
      }
      const roles = ['HASH', 'RANGE'];
      request = {
        TableName: nameOrRequest,
        KeySchema: entries.map(([name], i) => ({ AttributeName: name, KeyType: roles[i] })),
        AttributeDefinitions: entries.map(([name, type]) => ({ AttributeName: name, AttributeType: type })),
        BillingMode: 'PAY_PER_REQUEST',
        ...extra,
      };
    }
    const response = await this.send('CreateTable', request);
    return response.TableDescription;
  }

  async deleteTable(name) {
    return (await this.send('DeleteTable', { TableName: name })).TableDescription;
  }

  async describeTable(name) {
    return (await this.send('DescribeTable', { TableName: name })).Table;
  }

  /** Every table name (follows LastEvaluatedTableName). */
  async listTables() {
    const names = [];
    let start;
    do {
      const page = await this.send('ListTables', start === undefined ? {} : { ExclusiveStartTableName: start });
      names.push(...page.TableNames);
      start = page.LastEvaluatedTableName;
    } while (start !== undefined);
    return names;
  }

  // -- items ---------------------------------------------------------------

  /** PutItem. Resolves to the old item when `ReturnValues: 'ALL_OLD'` found one, else undefined. */
  put(table, item, options = {}) {
    return this.#single('PutItem', { ...options, TableName: table, Item: item }, 'Attributes');
  }

  /** GetItem. Resolves to the item, or undefined when there is none. */
  get(table, key, options = {}) {
    return this.#single('GetItem', { ...options, TableName: table, Key: key }, 'Item');
  }

  /** UpdateItem. Resolves to the attributes `ReturnValues` asked for, else undefined. */
  update(table, key, options = {}) {
    return this.#single('UpdateItem', { ...options, TableName: table, Key: key }, 'Attributes');
  }

  /** DeleteItem. Resolves to the old item with `ReturnValues: 'ALL_OLD'`, else undefined. */
  delete(table, key, options = {}) {
    return this.#single('DeleteItem', { ...options, TableName: table, Key: key }, 'Attributes');
  }

  /** One single-item operation; resolves to the response's item (`out`) as a plain object. */
  async #single(operation, params, out) {
    const response = await this.send(operation, this.#request(params));
    return this.#plain(response[out]);
  }

  // -- queries -------------------------------------------------------------

  /**
   * Query: an async iterable of the matching items that fetches page after
   * page (following LastEvaluatedKey; `Limit` caps each page). `.pages()`
   * iterates the pages themselves, `.all()` collects every item.
   */
  query(table, options = {}) {
    return this.#paged('Query', table, options);
  }

  /** Scan, paging like `query`. */
  scan(table, options = {}) {
    return this.#paged('Scan', table, options);
  }

  #paged(operation, table, options) {
    const db = this;
    async function* pages() {
      let start = options.ExclusiveStartKey;
      const base = { ...options, TableName: table };
      delete base.ExclusiveStartKey;
      do {
        const params = start === undefined ? base : { ...base, ExclusiveStartKey: start };
        const page = await db.send(operation, db.#request(params));
        start = db.#plain(page.LastEvaluatedKey);
        yield {
          Items: (page.Items ?? []).map((item) => db.#plain(item)),
          Count: page.Count,
          ScannedCount: page.ScannedCount,
          LastEvaluatedKey: start,
        };
      } while (start !== undefined);
    }
    return {
      pages,
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* page.Items;
      },
      async all() {
        const items = [];
        for await (const page of pages()) items.push(...page.Items);
        return items;
      },
    };
  }

  // -- batches and transactions ---------------------------------------------

  /**
   * BatchGetItem over any number of keys: `{ [table]: { Keys: [...], ...options } }`
   * resolves to `{ [table]: items[] }` (in no particular order, as DynamoDB),
   * sending at most 100 keys per request and re-sending UnprocessedKeys.
   */
  async batchGet(requestItems) {
    const result = {};
    const pending = [];
    for (const [table, { Keys, ...rest }] of Object.entries(requestItems)) {
      result[table] = [];
      for (const key of Keys) pending.push([table, rest, this.#item(key)]);
    }
    for (const chunk of chunks(pending, BATCH_GET_KEYS)) {
      let request = {};
      for (const [table, rest, key] of chunk) (request[table] ??= { ...rest, Keys: [] }).Keys.push(key);
      for (let attempt = 0; ; attempt++) {
        const response = await this.send('BatchGetItem', { RequestItems: request });
        for (const [table, items] of Object.entries(response.Responses ?? {})) {
          for (const item of items) result[table].push(this.#plain(item));
        }
        request = response.UnprocessedKeys ?? {};
        if (Object.keys(request).length === 0) break;
        if (attempt === BATCH_RETRIES) throw unprocessed('keys', request);
      }
    }
    return result;
  }

  /**
   * BatchWriteItem over any number of writes:
   * `{ [table]: [{ PutRequest: { Item } } | { DeleteRequest: { Key } }, ...] }`,
   * at most 25 per request, re-sending UnprocessedItems.
   */
  async batchWrite(requestItems) {
    const pending = [];
    for (const [table, writes] of Object.entries(requestItems)) {
      for (const write of writes) {
        if (write.PutRequest) pending.push([table, { PutRequest: { Item: this.#item(write.PutRequest.Item) } }]);
        else if (write.DeleteRequest) pending.push([table, { DeleteRequest: { Key: this.#item(write.DeleteRequest.Key) } }]);
        else pending.push([table, write]); // the engine reports what is wrong with it
      }
    }
    for (const chunk of chunks(pending, BATCH_WRITE_ITEMS)) {
      let request = {};
      for (const [table, write] of chunk) (request[table] ??= []).push(write);
      for (let attempt = 0; ; attempt++) {
        const response = await this.send('BatchWriteItem', { RequestItems: request });
        request = response.UnprocessedItems ?? {};
        if (Object.keys(request).length === 0) break;
        if (attempt === BATCH_RETRIES) throw unprocessed('items', request);
      }
    }
  }

  /**
   * TransactWriteItems: `[{ Put | Update | Delete | ConditionCheck: { TableName, ... } }]`
   * with plain Item / Key / ExpressionAttributeValues. Rejects with a
   * TransactionCanceledException whose `cancellationReasons` say which action failed.
   */
  async transactWrite(actions, options = {}) {
    const TransactItems = actions.map((action) => {
      const [[kind, params]] = Object.entries(action);
      return { [kind]: this.#request(params) };
    });
    await this.send('TransactWriteItems', { ...options, TransactItems });
  }

  /** TransactGetItems: `[{ Get: { TableName, Key, ... } }]` resolves to the items in order (undefined where missing). */
  async transactGet(gets, options = {}) {
    const TransactItems = gets.map(({ Get }) => ({ Get: this.#request(Get) }));
    const response = await this.send('TransactGetItems', { ...options, TransactItems });
    return (response.Responses ?? []).map((r) => this.#plain(r.Item));
  }

  /**
   * ExecuteStatement (PartiQL) with `?` parameters as plain values. Resolves
   * to the items a SELECT returns, following NextToken to the end.
   */
  async partiql(statement, parameters = [], options = {}) {
    const request = { ...options, Statement: statement };
    if (parameters.length > 0) {
      request.Parameters = parameters.map((p) => toAttributeValue(p, this.#marshallOptions));
    }
    const items = [];
    let token;
    do {
      const page = await this.send('ExecuteStatement', token === undefined ? request : { ...request, NextToken: token });
      for (const item of page.Items ?? []) items.push(this.#plain(item));
      token = page.NextToken;
    } while (token !== undefined);
    return items;
  }
}

function unprocessed(what, request) {
  const error = new Error(`unprocessed ${what} remained after ${BATCH_RETRIES} retries`);
  error.name = 'ProvisionedThroughputExceededException';
  error.unprocessed = request;
  return error;
}

export { marshall, unmarshall, toAttributeValue, fromAttributeValue };
