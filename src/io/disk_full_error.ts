/**
 * A full disk, named as such: SQLite says "database or disk is full" and
 * then, on the next commit, only "cannot commit - no transaction is active";
 * a file write says "No space left on device (os error 28)". Whatever file
 * trawl writes (the state, `--out`, a report), a full disk ends the work
 * with a {@linkcode DiskFullError} that names the file.
 *
 * @module
 */

/**
 * Writing a file failed because its disk is full (or the quota is spent).
 *
 * @example Usage
 * ```ts
 * import { DiskFullError } from "./disk_full_error.ts";
 * import assert from "node:assert/strict";
 *
 * const err = new DiskFullError("crawl.db");
 * assert.equal(err.message, "no space left on device while writing crawl.db");
 * ```
 */
export class DiskFullError extends Error {
  /** The file being written. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The file being written.
   * @param options The underlying error.
   */
  constructor(path: string, options?: ErrorOptions) {
    super(`no space left on device while writing ${path}`, options);
    this.name = "DiskFullError";
    this.path = path;
  }
}

/** What the OS and SQLite say when the disk is full. */
const FULL =
  /no space left on device|database or disk is full|disk quota exceeded/i;

/**
 * Whether `err` (or its cause) says the disk is full: `ENOSPC`/`EDQUOT`,
 * SQLite's `SQLITE_FULL`, or a {@linkcode DiskFullError}.
 *
 * @example
 * ```ts
 * import { isDiskFull } from "./disk_full_error.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isDiskFull(new Error("database or disk is full")), true);
 * assert.equal(isDiskFull(new Error("disk I/O error")), false);
 * ```
 *
 * @param err What was thrown.
 * @returns `true` when the disk is full.
 */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof DiskFullError) return true;
    const code = (e as { code?: unknown }).code;
    if (code === "ENOSPC" || code === "EDQUOT" || FULL.test(e.message)) {
      return true;
    }
    e = e.cause;
  }
  return false;
}

/**
 * `err` as a {@linkcode DiskFullError} for `path` when it says the disk is
 * full, else `err` itself.
 *
 * @example Rethrowing a write's failure
 * ```ts
 * import { asDiskFull, DiskFullError } from "./disk_full_error.ts";
 * import assert from "node:assert/strict";
 *
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * assert.ok(asDiskFull(full, "out.jsonl") instanceof DiskFullError);
 * const other = new Error("permission denied");
 * assert.equal(asDiskFull(other, "out.jsonl"), other);
 * ```
 *
 * @param err What a write threw.
 * @param path The file being written.
 * @returns The error to throw.
 */
export function asDiskFull(err: unknown, path: string): unknown {
  if (err instanceof DiskFullError || !isDiskFull(err)) return err;
  return new DiskFullError(path, { cause: err });
}
