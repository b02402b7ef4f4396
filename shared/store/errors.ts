// StoreError: the only error the store throws. Nothing Azure-shaped crosses the store boundary.
export type StoreErrorCode = "not-found" | "conflict" | "precondition-failed" | "unavailable" | "too-large";

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** Which action of a transaction failed, when the service said so. */
    readonly failedIndex?: number,
    /** For a uniqueness conflict: the attribute whose value is taken (userName, displayName). */
    readonly attribute?: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

interface RestLike {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: { errorCode?: string };
}

/** Maps an @azure/data-tables failure (single or transaction) to a StoreError. */
export function fromTableError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const err = e as RestLike;
  const status = err.statusCode;
  const code = err.code ?? err.details?.errorCode ?? "";
  // Transaction failures say which operation failed: "<index>:<text>".
  const index = /^(\d+):/.exec(err.message ?? "")?.[1];
  const failedIndex = index === undefined ? undefined : Number(index);
  if (status === 404) return new StoreError("not-found", "Entity not found.", failedIndex);
  if (status === 409) return new StoreError("conflict", "Entity already exists.", failedIndex);
  if (status === 412) return new StoreError("precondition-failed", "Entity changed concurrently.", failedIndex);
  if (status === 413 || /PropertyValueTooLarge|EntityTooLarge|RequestBodyTooLarge/.test(code)) {
    return new StoreError("too-large", "The resource exceeds a storage limit.", failedIndex);
  }
  if (status === 400 && /InvalidInput|OutOfRangeInput|KeyValueTooLarge|PropertyNameTooLong|TooManyProperties/i.test(code)) {
    return new StoreError("too-large", "The resource exceeds a storage limit.", failedIndex);
  }
  return new StoreError("unavailable", `Table Storage failed (${status ?? "network"} ${code}).`);
}
