// Errors as the package reports them: plain `Error`s whose `name` is the
// DynamoDB exception name ("ValidationException",
// "ConditionalCheckFailedException", ...), so `catch (e) { if (e.name === ...) }`
// reads as it does with the AWS SDK. Two names are KeystoneDB's own, for
// conditions DynamoDB has no exception for: DatabaseLockedError (another tab
// or handle owns the file) and QuotaExceededError (the storage is full).
//
// Errors cross a worker boundary as plain objects (structured clone keeps
// only `message` of an Error reliably), so both sides use `errorToPlain` and
// `toError` and the caller sees the same Error either way.

/** The database file is held by another tab, worker or handle. */
export class DatabaseLockedError extends Error {
  constructor(message = 'the database is locked by another process or tab', options) {
    super(message, options);
    this.name = 'DatabaseLockedError';
  }
}

/** The storage quota is exhausted; every acknowledged write is kept. */
export class QuotaExceededError extends Error {
  constructor(message = 'storage quota exceeded', options) {
    super(message, options);
    this.name = 'QuotaExceededError';
  }
}

const classes = { DatabaseLockedError, QuotaExceededError };
// The fields besides name and message that an error may carry.
const extras = ['type', 'cancellationReasons', 'item'];

/**
 * An Error from `{ name, message, cancellationReasons?, item?, type? }`: an
 * error thrown by the wasm module, or one rebuilt from `errorToPlain` on the
 * other side of a worker. An Error that already has the right shape comes
 * back as it is.
 */
export function toError(value) {
  if (value === null || typeof value !== 'object') {
    return new Error(String(value));
  }
  const name = typeof value.name === 'string' && value.name ? value.name : 'Error';
  const Class = classes[name];
  if (value instanceof Error && (!Class || value instanceof Class)) {
    return value;
  }
  const error = Class ? new Class(String(value.message ?? '')) : new Error(String(value.message ?? ''));
  error.name = name;
  for (const key of extras) {
    if (value[key] !== undefined) error[key] = value[key];
  }
  return error;
}

/** The structured-clone-safe form of an error, for `toError` to rebuild. */
export function errorToPlain(error) {
  if (error === null || typeof error !== 'object') {
    return { name: 'Error', message: String(error) };
  }
  const plain = { name: String(error.name ?? 'Error'), message: String(error.message ?? '') };
  for (const key of extras) {
    if (error[key] !== undefined) plain[key] = error[key];
  }
  return plain;
}

/** A ValidationException raised on this side (bad options, values that cannot be marshalled). */
export function validationError(message) {
  return toError({ name: 'ValidationException', message, type: 'com.amazonaws.dynamodb.v20120810#ValidationException' });
}
