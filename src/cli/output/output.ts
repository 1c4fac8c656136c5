/**
 * The command's output: stdout, or the `--out` file, truncated for a new
 * crawl or opened for reading and appending when a stored crawl goes on.
 *
 * @module
 */
import { UsageError } from "../usage_error.ts";
import { granted } from "../permissions.ts";
import type { Writable } from "./write_all.ts";

/** An open output: stdout or a file, closed on dispose. */
export interface Output extends Disposable {
  /** Where result lines go. */
  readonly file: Writable;
  /** The file, when the output is one (`--out`). */
  readonly fsFile?: Deno.FsFile;
}

/**
 * Opens the output: stdout without a path, else the file, truncated or (with
 * `append`) opened for reading and writing so it can be repaired first.
 *
 * @example Usage
 * ```ts ignore
 * using output = await openOutput("out.jsonl", false);
 * ```
 *
 * @param path The `--out` file, or `undefined` for stdout.
 * @param append Whether to keep the file's contents.
 * @returns The output.
 * @throws {UsageError} When the file cannot be opened (naming the permission to grant).
 */
export async function openOutput(
  path: string | undefined,
  append: boolean,
): Promise<Output> {
  if (path === undefined) return { file: Deno.stdout, [Symbol.dispose]() {} };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(
      path,
      append
        ? { read: true, write: true, create: true }
        : { write: true, create: true, truncate: true },
    );
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      (err instanceof Deno.errors.PermissionDenied &&
        !(await granted({ name: "write", path })))
    ) {
      throw new UsageError(
        `cannot ${append ? "read and write" : "write"} ${path}: run with ${
          append ? `--allow-read=${path} ` : ""
        }--allow-write=${path}`,
        { cause: err },
      );
    }
    throw new UsageError(
      `cannot write ${path}: ${err instanceof Error ? err.message : err}`,
      { cause: err },
    );
  }
  return { file, fsFile: file, [Symbol.dispose]: () => file.close() };
}
