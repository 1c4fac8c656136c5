/**
 * Writing bytes to a sink that may take fewer than it was given.
 *
 * @module
 */

/** Where bytes go: stdout, a file. */
export interface Writable {
  /** Writes some of `p`; resolves to how many bytes were written. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Writes all of `data` to `sink`.
 *
 * @example Usage
 * ```ts
 * import { writeAll } from "./write_all.ts";
 *
 * await writeAll(Deno.stdout, new TextEncoder().encode("hello\n"));
 * ```
 *
 * @param sink Where to write.
 * @param data What to write.
 */
export async function writeAll(
  sink: Writable,
  data: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await sink.write(data.subarray(offset));
  }
}
