// Plain JavaScript values <-> DynamoDB AttributeValues, with the rules and
// options of @aws-sdk/util-dynamodb so code moving between the two sees the
// same items (the tests compare both on the same inputs). One difference of
// form: binaries are base64 text here, because these AttributeValues go to
// the engine as DynamoDB JSON, where B and BS are base64; `unmarshall` gives
// Uint8Arrays back.
//
//   string -> S     number, bigint, NumberValue -> N     boolean -> BOOL
//   null -> NULL    Uint8Array and other binary views -> B
//   Array -> L      plain object, Map -> M
//   Set of strings / numbers / bigints / NumberValues / binaries -> SS / NS / BS
//
// Numbers come back as JS numbers, as bigints when they are integers beyond
// 2^53, and as NumberValue (exact decimal text) with `wrapNumbers: true`.

import { validationError as invalid } from './errors.js';

/**
 * A DynamoDB number kept as its exact decimal text: DynamoDB numbers have up
 * to 38 significant digits, more than a JS number holds.
 */
export class NumberValue {
  constructor(value) {
    const text = typeof value === 'object' && value !== null && 'N' in value ? String(value.N) : String(value);
    if (typeof value === 'number' && !(Number.isSafeInteger(value) || (Number.isFinite(value) && !Number.isInteger(value)))) {
      throw invalid(`NumberValue cannot hold the imprecise number ${value}; pass its decimal text instead`);
    }
    this.value = text;
  }
  static from(value) {
    return new NumberValue(value);
  }
  toString() {
    return this.value;
  }
  valueOf() {
    return this.value;
  }
  toJSON() {
    return this.value;
  }
  toBigInt() {
    return BigInt(this.value);
  }
  toAttributeValue() {
    return { N: this.value };
  }
}

const BINARY = new Set([
  'ArrayBuffer', 'Blob', 'Buffer', 'DataView', 'File', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array',
]);
const kind = (value) => value?.constructor?.name;
const isBinary = (value) => value != null && BINARY.has(kind(value));

const bytesOf = (value) => {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw invalid(`cannot marshall a ${kind(value)} synchronously; pass its bytes as a Uint8Array`);
};

/** Base64 of bytes (the B form of DynamoDB JSON). */
export function toBase64(bytes) {
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** Bytes of base64 text. */
export function fromBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const UNDEFINED = 'Pass options.removeUndefinedValues=true to remove undefined values from map/array/set.';

function numberText(value, options) {
  if (!Number.isFinite(Number(value))) {
    throw invalid(`Special numeric value ${value} is not allowed`);
  }
  if (!options?.allowImpreciseNumbers && Math.abs(Number(value)) > Number.MAX_SAFE_INTEGER) {
    throw invalid(`Number ${value} is beyond Number.MAX_SAFE_INTEGER and would lose precision; use a bigint or NumberValue`);
  }
  return String(value);
}

function mapOf(entries, options) {
  const map = {};
  for (const [key, value] of entries) {
    if (typeof value === 'function' || (value === undefined && options?.removeUndefinedValues)) continue;
    map[key] = toAttributeValue(value, options);
  }
  return { M: map };
}

function setOf(set, options) {
  const values = [];
  for (const value of set) {
    if (value !== undefined) values.push(value);
    else if (!options?.removeUndefinedValues) throw invalid(UNDEFINED);
  }
  if (values.length === 0) {
    if (options?.convertEmptyValues) return { NULL: true };
    throw invalid('Pass a non-empty set, or options.convertEmptyValues=true.');
  }
  const first = values[0];
  if (first instanceof NumberValue || kind(first) === 'NumberValue') return { NS: values.map(String) };
  if (typeof first === 'number') return { NS: values.map((n) => numberText(n, options)) };
  if (typeof first === 'bigint') return { NS: values.map(String) };
  if (typeof first === 'string') return { SS: values.map(String) };
  if (isBinary(first)) return { BS: values.map((b) => toBase64(bytesOf(b))) };
  throw invalid('Only Number Set (NS), Binary Set (BS) or String Set (SS) are allowed.');
}

/** One value as an AttributeValue (`{ S: "x" }`, `{ M: {...} }`, ...). */
export function toAttributeValue(value, options) {
  if (value === undefined) throw invalid(UNDEFINED);
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) {
    const list = [];
    for (const element of value) {
      if (typeof element === 'function' || (element === undefined && options?.removeUndefinedValues)) continue;
      list.push(toAttributeValue(element, options));
    }
    return { L: list };
  }
  const type = kind(value);
  if (type === 'Set') return setOf(value, options);
  if (type === 'Map') return mapOf(value, options);
  if (type === 'Object' || (typeof value === 'object' && !value.constructor)) return mapOf(Object.entries(value), options);
  if (isBinary(value)) {
    const bytes = bytesOf(value);
    if (bytes.length === 0 && options?.convertEmptyValues) return { NULL: true };
    return { B: toBase64(bytes) };
  }
  if (typeof value === 'boolean' || type === 'Boolean') return { BOOL: value.valueOf() };
  if (typeof value === 'number' || type === 'Number') return { N: numberText(value, options) };
  // util-dynamodb's and lib-dynamodb's NumberValue are accepted too.
  if (value instanceof NumberValue || type === 'NumberValue') return { N: String(value) };
  if (typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'string' || type === 'String') {
    if (value.length === 0 && options?.convertEmptyValues) return { NULL: true };
    return { S: String(value) };
  }
  if (options?.convertClassInstanceToMap && typeof value === 'object') {
    // for...in, like util-dynamodb: own and inherited enumerable properties.
    const entries = [];
    for (const key in value) entries.push([key, value[key]]);
    return mapOf(entries, options);
  }
  throw invalid(`Unsupported type passed: ${value}. Pass options.convertClassInstanceToMap=true to marshall typeof object as map attribute.`);
}

/**
 * A plain object as a DynamoDB item (`{ name: { S: "x" }, ... }`). Like
 * util-dynamodb, a value that is not an object or array comes back as one
 * AttributeValue.
 */
export function marshall(value, options) {
  const attribute = toAttributeValue(value, options);
  if (('M' in attribute || 'L' in attribute) && !options?.convertTopLevelContainer) {
    return attribute.M ?? attribute.L;
  }
  return attribute;
}

function number(text, options) {
  if (typeof options?.wrapNumbers === 'function') return options.wrapNumbers(text);
  if (options?.wrapNumbers) return new NumberValue(text);
  const value = Number(text);
  if (Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    try {
      return BigInt(text);
    } catch {
      throw invalid(`${text} can't be converted to BigInt. Set options.wrapNumbers to get string value.`);
    }
  }
  return value;
}

/** One AttributeValue as a plain value. */
export function fromAttributeValue(attribute, options) {
  for (const type in attribute) {
    const value = attribute[type];
    if (value === undefined) continue;
    switch (type) {
      case 'S': return value;
      case 'N': return number(value, options);
      case 'BOOL': return Boolean(value);
      case 'NULL': return null;
      case 'B': return fromBase64(value);
      case 'M': return unmarshall(value, options);
      case 'L': return value.map((element) => fromAttributeValue(element, options));
      case 'SS': return new Set(value);
      case 'NS': return new Set(value.map((n) => number(n, options)));
      case 'BS': return new Set(value.map(fromBase64));
      default: throw invalid(`Unsupported type passed: ${type}`);
    }
  }
  throw invalid(`No value defined: ${JSON.stringify(attribute)}`);
}

/** A DynamoDB item as a plain object. */
export function unmarshall(item, options) {
  if (options?.convertWithoutMapWrapper) return fromAttributeValue(item, options);
  const object = {};
  for (const key in item) object[key] = fromAttributeValue(item[key], options);
  return object;
}
