/**
 * The error of an archive that cannot be written.
 *
 * @module
 */
import { DiskFullError, isDiskFull } from "../io/disk_full_error.ts";

/**
 * An archive file or folder could not be written (a path that cannot be
 * created, a full disk, a file removed while the crawl wrote it). The crawl
 * stops; what it committed before stays committed, and running it again
 * with the same state continues it.
 *
 * @example Usage
 * ```ts
 * import { ArchiveError } from "./archive_error.ts";
 *
 * const err = new ArchiveError("crawl-00000.warc.gz", "no space left on device");
 * console.log(err.name, err.path);
 * ```
 */
export class ArchiveError extends Error {
  /** The file or folder concerned. */
  readonly path: string;
  /** What went wrong. */
  readonly problem: string;

  /**
   * Creates the error.
   *
   * @param path The file or folder concerned.
   * @param problem What went wrong.
   * @param options The underlying error.
   */
  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(`Cannot write the archive ${path}: ${problem}`, options);
    this.name = "ArchiveError";
    this.path = path;
    this.problem = problem;
  }

  /**
   * The error for a failed file operation, its message taken from `cause`.
   * A full disk is caused by a `DiskFullError` (the command's exit code 3).
   *
   * @example
   * ```ts
   * import { ArchiveError } from "./archive_error.ts";
   * import assert from "node:assert/strict";
   *
   * const err = ArchiveError.from("a.warc.gz", new Error("ENOSPC: no space left on device"));
   * assert.match(err.message, /no space left/);
   * ```
   *
   * @param path The file or folder.
   * @param cause What the file system threw.
   * @returns The error (`cause` itself when it is one already).
   */
  static from(path: string, cause: unknown): ArchiveError {
    if (cause instanceof ArchiveError) return cause;
    const problem = cause instanceof Error ? cause.message : String(cause);
    const full = isDiskFull(cause) && !(cause instanceof DiskFullError);
    return new ArchiveError(path, problem, {
      cause: full ? new DiskFullError(path, { cause }) : cause,
    });
  }
}
