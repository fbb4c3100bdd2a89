// Our marshalling agrees with @aws-sdk/util-dynamodb on the same inputs and
// options (binaries compared as base64, the form DynamoDB JSON carries them in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aws from '@aws-sdk/util-dynamodb';

// util-dynamodb exports its NumberValue as NumberValueImpl (lib-dynamodb re-exports it as NumberValue).
const AwsNumberValue = aws.NumberValueImpl;
import { marshall, unmarshall, NumberValue } from 'keystonedb';

// util-dynamodb leaves binaries as bytes for the SDK to encode; DynamoDB JSON has base64.
function base64Binaries(value) {
  if (Array.isArray(value)) return value.map(base64Binaries);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = base64Binaries(v);
    }
    return out;
  }
  return value;
}

class Point { constructor() { this.x = 1; this.y = 'two'; } }

const inputs = [
  { s: 'text', empty: '', n: 42, neg: -3.25, tiny: 1e-7, big: 1e21, zero: 0, t: true, f: false, nul: null },
  { list: [1, 'a', null, [true, { deep: 'x' }]], map: { a: { b: { c: 1 } } }, emptyList: [], emptyMap: {} },
  { ss: new Set(['a', 'b']), ns: new Set([1, 2.5, -7]), bs: new Set([new Uint8Array([1, 2]), new Uint8Array([3])]) },
  { bytes: new Uint8Array([0, 127, 128, 255]), buf: Buffer.from('hello'), i16: new Int16Array([1, -1]), ab: new Uint8Array([9]).buffer },
  { bigint: 12345678901234567890n, bigSet: new Set([1n, 2n]) },
  { m: new Map([['k', 1], ['j', 'v']]) },
  { skip: undefined, inList: [1, undefined, 2], inSet: new Set(['a', undefined]) },
  { emptySet: new Set(), emptyString: '', emptyBytes: new Uint8Array() },
  { fn: () => 1, kept: 1 },
  { point: new Point() },
  { huge: 2 ** 60 },
  Object.assign(Object.create(null), { nullProto: 'yes' }),
];
const optionSets = [
  undefined,
  { removeUndefinedValues: true },
  { convertEmptyValues: true, removeUndefinedValues: true },
  { convertClassInstanceToMap: true },
  { allowImpreciseNumbers: true },
  { convertTopLevelContainer: true },
];

function outcome(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: error.message };
  }
}

test('marshall agrees with util-dynamodb', () => {
  let compared = 0;
  let errors = 0;
  for (const input of inputs) {
    for (const options of optionSets) {
      const theirs = outcome(() => base64Binaries(aws.marshall(input, options)));
      const ours = outcome(() => marshall(input, options));
      const what = `${JSON.stringify(Object.keys(input))} with ${JSON.stringify(options)}`;
      if (theirs.error) {
        assert.ok(ours.error, `${what}: they throw (${theirs.error}), we do not`);
        errors++;
      } else {
        assert.deepEqual(ours, theirs, what);
      }
      compared++;
    }
  }
  assert.ok(errors > 3 && errors < compared - 10, `${errors} of ${compared} cases are errors`);
});

test('marshall of scalars and top-level values agrees', () => {
  for (const value of ['x', 5, true, null, 7n, new Set(['a']), [1, 2]]) {
    assert.deepEqual(marshall(value), base64Binaries(aws.marshall(value)), String(value));
  }
  assert.deepEqual(marshall(new AwsNumberValue('1.5')), { N: '1.5' });
  assert.deepEqual(marshall({ n: new NumberValue('123456789012345678901234567890') }), aws.marshall({ n: new AwsNumberValue('123456789012345678901234567890') }));
  assert.deepEqual(marshall({ s: new Set([new NumberValue('1'), new NumberValue('2')]) }), { s: { NS: ['1', '2'] } });
});

test('unmarshall agrees with util-dynamodb', () => {
  const item = {
    s: { S: 'x' }, n: { N: '3.5' }, i: { N: '-12' }, big: { N: '123456789012345678901' },
    huge: { N: '1e400' }, bool: { BOOL: true }, nul: { NULL: true },
    l: { L: [{ N: '1' }, { S: 'two' }, { M: { z: { BOOL: false } } }] },
    m: { M: { inner: { SS: ['a', 'b'] } } }, ns: { NS: ['1', '2.5'] }, ss: { SS: ['q'] },
  };
  assert.deepEqual(unmarshall(item), aws.unmarshall(item));
  const wrapped = unmarshall(item, { wrapNumbers: true });
  assert.ok(wrapped.big instanceof NumberValue);
  assert.equal(String(wrapped.big), String(aws.unmarshall(item, { wrapNumbers: true }).big));
  assert.deepEqual(unmarshall(item, { wrapNumbers: (t) => `#${t}` }), aws.unmarshall(item, { wrapNumbers: (t) => `#${t}` }));
  assert.deepEqual(unmarshall({ S: 'x' }, { convertWithoutMapWrapper: true }), 'x');
  // Fractions too long for BigInt: both refuse without wrapNumbers.
  const long = { f: { N: '1234567890123456789.5' } };
  assert.throws(() => aws.unmarshall(long));
  assert.throws(() => unmarshall(long), /wrapNumbers/);
  // Binaries: theirs stay as given (the SDK decoded base64 already); ours decode it.
  assert.deepEqual(unmarshall({ b: { B: 'AAH/' }, bs: { BS: ['AQ=='] } }), { b: new Uint8Array([0, 1, 255]), bs: new Set([new Uint8Array([1])]) });
  assert.throws(() => unmarshall({ x: { Q: 1 } }), /Unsupported type/);
});

test('NumberValue refuses imprecise numbers like util-dynamodb', () => {
  for (const n of [2 ** 60, Infinity, NaN]) {
    assert.throws(() => new AwsNumberValue(n));
    assert.throws(() => new NumberValue(n), { name: 'ValidationException' });
  }
  assert.equal(new NumberValue(12.5).toString(), new AwsNumberValue(12.5).toString());
  assert.equal(new NumberValue({ N: '7' }).toBigInt(), 7n);
});
