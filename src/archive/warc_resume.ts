/**
 * What a run does with the WARC files an earlier run of the same archive
 * left: cut them back to the committed write position, keep and repair
 * them, or remove them; and remember the payloads they hold, for revisits.
 *
 * @module
 */
import { rm, stat, truncate } from "node:fs/promises";
import type { LruMap } from "../concurrency/lru_map.ts";
import type { WarcFiles } from "./warc_files.ts";
import { fieldOf, scanWarc } from "./warc_reader.ts";
import type { Original } from "./warc_record.ts";

/** Bytes of the newest files read back for their digests. */
const REBUILD_BYTES = 1 << 30;

/** A write position: the file's name and the offset just past a record. */
export interface Position {
  /** The file's name. */
  file: string;
  /** The offset. */
  offset: number;
}

/** What {@linkcode prepareFiles} works with. */
export interface PrepareOptions {
  /** The archive's files. */
  files: WarcFiles;
  /** The committed write position, if any. */
  committed?: Position;
  /**
   * Without a committed position: `"replace"` removes the old files,
   * `"continue"` keeps them and cuts a torn record off the last.
   */
  existing: "replace" | "continue";
  /** Receives the payloads kept, by digest. */
  seen: LruMap<string, Original>;
  /** Told what was cut or found missing. */
  log: (level: "info" | "warn", message: string) => void;
}

/**
 * Prepares the archive's folder for a new run: with a committed position,
 * later files are removed and the committed one is cut at the position
 * (the records of pages that will be fetched again go); without one, old
 * files are removed or kept as `existing` says. The payloads of the newest
 * kept files (1 GiB at most) are remembered in `seen`.
 *
 * @example Usage
 * ```ts ignore
 * const next = await prepareFiles({ files, committed, existing: "replace", seen, log });
 * ```
 *
 * @param options The files, the position and what to do.
 * @returns The number of the file to write next.
 */
export async function prepareFiles(options: PrepareOptions): Promise<number> {
  const { files, committed, existing, log } = options;
  const numbers = await files.existing();
  const index = committed && files.indexOf(committed.file);
  if (committed && index !== undefined) {
    const later = numbers.filter((i) => i > index);
    for (const i of later) await rm(files.path(i));
    if (later.length > 0) {
      log(
        "info",
        `removed ${later.length} WARC file(s) of records not committed, from ${
          files.name(later[0])
        }`,
      );
    }
    const kept = numbers.filter((i) => i <= index);
    if (!kept.includes(index)) {
      log(
        "warn",
        `${files.path(index)} is missing: the records it held are lost`,
      );
    } else {
      await cut(files.path(index), committed.offset, log);
    }
    await remember(kept.map((i) => files.path(i)), options.seen);
    return Math.max(index, ...kept) + 1;
  }
  if (existing === "continue" && numbers.length > 0) {
    const last = numbers[numbers.length - 1];
    await cut(files.path(last), Infinity, log);
    await remember(numbers.map((i) => files.path(i)), options.seen);
    return last + 1;
  }
  for (const i of numbers) await rm(files.path(i));
  return 0;
}

/**
 * Cuts a file at `offset`, and further back to its last complete record if
 * it is torn there (data lost in a crash of the machine).
 */
async function cut(
  path: string,
  offset: number,
  log: PrepareOptions["log"],
): Promise<void> {
  const { size } = await stat(path);
  if (size > offset) {
    await truncate(path, offset);
    log("info", `${path}: cut ${size - offset} bytes of records not committed`);
  }
  const { end } = await scanWarc(path, () => {});
  const length = Math.min(size, offset);
  if (end < length) {
    await truncate(path, end);
    log("warn", `${path}: cut ${length - end} bytes of a torn record`);
  }
  if (size < offset && offset !== Infinity) {
    log("warn", `${path}: ${offset - size} committed bytes are missing`);
  }
}

/** Remembers the payload digests of the newest of `paths`. */
async function remember(
  paths: readonly string[],
  seen: LruMap<string, Original>,
): Promise<void> {
  const chosen: string[] = [];
  let bytes = 0;
  for (let i = paths.length - 1; i >= 0 && bytes < REBUILD_BYTES; i--) {
    bytes += (await stat(paths[i])).size;
    chosen.unshift(paths[i]);
  }
  for (const path of chosen) {
    await scanWarc(path, ({ fields }) => {
      if (fieldOf(fields, "WARC-Type") !== "response") return;
      if (fieldOf(fields, "WARC-Truncated") !== undefined) return;
      const digest = fieldOf(fields, "WARC-Payload-Digest");
      const id = fieldOf(fields, "WARC-Record-ID");
      const uri = fieldOf(fields, "WARC-Target-URI");
      const date = fieldOf(fields, "WARC-Date");
      if (digest && id && uri && date) seen.set(digest, { id, uri, date });
    });
  }
}

/**
 * A committed position as stored, or `undefined` when there is none (or it
 * is not one).
 *
 * @example
 * ```ts
 * import { parsePosition } from "./warc_resume.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePosition('{"file":"a-00000.warc.gz","offset":10}'), {
 *   file: "a-00000.warc.gz",
 *   offset: 10,
 * });
 * assert.equal(parsePosition("nonsense"), undefined);
 * ```
 *
 * @param value The stored value.
 * @returns The position.
 */
export function parsePosition(value: string | undefined): Position | undefined {
  if (value === undefined) return undefined;
  try {
    const p = JSON.parse(value);
    return typeof p?.file === "string" && Number.isSafeInteger(p.offset)
      ? { file: p.file, offset: p.offset }
      : undefined;
  } catch {
    return undefined;
  }
}
