/**
 * The command's stderr: lines written synchronously (so they interleave
 * with the progress line), error lines, and the terminal's width.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Writes `text` to stderr, all of it; when stderr is gone, nothing.
 *
 * @example Usage
 * ```ts
 * import { writeStderr } from "./terminal.ts";
 *
 * writeStderr("trawl: hello\n");
 * ```
 *
 * @param text What to write.
 */
export function writeStderr(text: string): void {
  const data = encoder.encode(text);
  let offset = 0;
  try {
    while (offset < data.length) {
      offset += Deno.stderr.writeSync(data.subarray(offset));
    }
  } catch {
    // stderr is gone: nothing useful left to do.
  }
}

/**
 * Prints `trawl: error: <message>`, and the stack of `err` when given.
 *
 * @example Usage
 * ```ts
 * import { printError } from "./terminal.ts";
 *
 * printError("no seed URLs given (try --help)");
 * ```
 *
 * @param message One line.
 * @param err An error whose stack to print too (at `--log-level debug`).
 */
export function printError(message: string, err?: unknown): void {
  writeStderr(`trawl: error: ${message}\n`);
  if (err instanceof Error && err.stack) writeStderr(err.stack + "\n");
}

/**
 * The message of a thrown value.
 *
 * @example Usage
 * ```ts
 * import { errorMessage } from "./terminal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(errorMessage(new Error("boom")), "boom");
 * ```
 *
 * @param err Any thrown value.
 * @returns Its message.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The terminal's width in columns (80 when unknown).
 *
 * @example Usage
 * ```ts
 * import { terminalColumns } from "./terminal.ts";
 *
 * console.log(terminalColumns() >= 20);
 * ```
 *
 * @returns The width.
 */
export function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns : 80; // 0 on some pseudo-terminals
  } catch {
    return 80;
  }
}
