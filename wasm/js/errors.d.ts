/** The database file is held by another tab, worker or handle. */
export declare class DatabaseLockedError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: 'DatabaseLockedError';
}

/** The storage quota is exhausted; every acknowledged write is kept. */
export declare class QuotaExceededError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: 'QuotaExceededError';
}

/** One entry of a TransactionCanceledException's reasons, as DynamoDB sends it. */
export interface CancellationReason {
  /** `"None"` for actions that did not fail, else e.g. `"ConditionalCheckFailed"`. */
  Code: string;
  Message?: string;
  /** The item (DynamoDB JSON) when `ReturnValuesOnConditionCheckFailure` asked for it. */
  Item?: Record<string, unknown>;
}

/** What every error of the package looks like. */
export interface KeystoneError extends Error {
  /** The DynamoDB exception name, or DatabaseLockedError / QuotaExceededError. */
  name: string;
  /** DynamoDB's `__type`, e.g. `com.amazonaws.dynamodb.v20120810#ValidationException`. */
  type?: string;
  /** For TransactionCanceledException: one reason per action, in order. */
  cancellationReasons?: CancellationReason[];
  /** For ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure: the item (DynamoDB JSON). */
  item?: Record<string, unknown>;
}

/** The plain (structured-clone-safe) form an error crosses a worker boundary in. */
export interface PlainError {
  name: string;
  message: string;
  type?: string;
  cancellationReasons?: CancellationReason[];
  item?: Record<string, unknown>;
}

/** An Error from its plain form (an Error of the right shape is returned as is). */
export declare function toError(value: unknown): KeystoneError;
/** The plain form of an error, for `toError` on the other side of a worker. */
export declare function errorToPlain(error: unknown): PlainError;
/** A ValidationException raised in JavaScript (bad options, values that cannot be marshalled). */
export declare function validationError(message: string): KeystoneError;
