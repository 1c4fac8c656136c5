/**
 * Brings a JSONL results file in line with a durable crawl's store, so that
 * across every run of a crawl each URL's result is in the file exactly once
 * per recrawl: a result line is known by its URL and its `recrawl` (absent
 * in the first crawl), so a recrawl's line for a URL is not a repeat of the
 * first crawl's.
 *
 * @module
 */
import { FingerprintSet } from "../../frontier/fingerprint_set.ts";
import type { StoredResult } from "../../frontier/sqlite/sqlite_store.ts";

/** The store side of a sync: what is committed. */
export interface ResultLedger {
  /**
   * Whether `url` has a committed result in recrawl `generation` (0: the
   * first crawl).
   */
  isDone(url: string, generation?: number): boolean;
  /** Every committed result. */
  results(): Iterable<StoredResult>;
}

/** What {@linkcode syncOutput} changed. */
export interface SyncReport {
  /** Complete, valid result lines kept. */
  kept: number;
  /** Bytes cut from the end: a partial or corrupt tail. */
  cutBytes: number;
  /** Results committed in the store but missing from the file, appended. */
  appended: number;
  /**
   * Lines kept whose commit the store lacks (a power cut lost it after the
   * line was written): their URLs are fetched again, for the links the lost
   * commit held, and must not be written again (see `syncOutput`'s
   * `uncommitted`).
   */
  uncommitted: number;
  /** Repeated lines found (a URL twice), left as they are. */
  duplicates: number;
}

const NEWLINE = 0x0a;

/**
 * What tells a result line from every other in a crawl's output: its URL,
 * and its recrawl when it has one.
 *
 * @example A recrawl's line is not a repeat of the first crawl's
 * ```ts
 * import { resultKey } from "./output_repair.ts";
 * import assert from "node:assert/strict";
 *
 * const url = "https://a.test/";
 * assert.notEqual(resultKey({ url }), resultKey({ url, recrawl: 1 }));
 * ```
 *
 * @param result A result (or a stored one: `generation` for `recrawl`).
 * @returns The key.
 */
export function resultKey(
  result: { url: string; recrawl?: number; generation?: number },
): string {
  const generation = result.recrawl ?? result.generation ?? 0;
  // A URL in normal form has no space.
  return generation > 0 ? `${generation} ${result.url}` : result.url;
}

/**
 * Repairs `file` against `ledger`: cuts everything from the first line that
 * is partial or not a result (a crash mid-write, or a corrupted tail), notes
 * valid lines the store has not committed (a power cut lost the commit after
 * the line was written: the URL will be fetched again, and its new result
 * must not be written), then appends every committed result the file lacks
 * (a crash between the commit and the write). The file is left positioned
 * at its end, ready for appending.
 *
 * @example Repair before appending
 * ```ts ignore
 * import { SqliteStore } from "@trawl/trawl/sqlite";
 * import { syncOutput } from "./output_repair.ts";
 *
 * using file = await Deno.open("out.jsonl", { read: true, write: true, create: true });
 * const store = new SqliteStore("crawl.db");
 * console.log(await syncOutput(file, store));
 * ```
 *
 * @param file The output, open for reading and writing.
 * @param ledger The crawl's store.
 * @param seen Receives the key (see {@linkcode resultKey}) of every line
 * kept.
 * @param uncommitted Receives the keys of lines kept that the store has not
 * committed.
 * @returns What changed.
 */
export async function syncOutput(
  file: Deno.FsFile,
  ledger: ResultLedger,
  seen?: FingerprintSet,
  uncommitted?: Set<string>,
): Promise<SyncReport> {
  const report: SyncReport = {
    kept: 0,
    cutBytes: 0,
    appended: 0,
    uncommitted: 0,
    duplicates: 0,
  };
  const inFile = seen ?? new FingerprintSet();
  const decoder = new TextDecoder();
  let validEnd = 0; // file offset just past the last good line
  let offset = 0; // file offset of `carry`'s first byte
  let carry = new Uint8Array(0);
  let broken = false;
  await file.seek(0, Deno.SeekMode.Start);
  const chunk = new Uint8Array(1 << 20);
  while (!broken) {
    const n = await file.read(chunk);
    if (n === null) break;
    const data = new Uint8Array(carry.length + n);
    data.set(carry);
    data.set(chunk.subarray(0, n), carry.length);
    let start = 0;
    for (
      let i = data.indexOf(NEWLINE);
      i !== -1;
      i = data.indexOf(NEWLINE, start)
    ) {
      const line = decoder.decode(data.subarray(start, i));
      const result = resultOf(line);
      if (result === undefined) {
        broken = true;
        break;
      }
      const key = resultKey(result);
      if (!inFile.add(key)) report.duplicates++;
      else if (!ledger.isDone(result.url, result.recrawl ?? 0)) {
        report.uncommitted++;
        uncommitted?.add(key);
      }
      report.kept++;
      validEnd = offset + i + 1;
      start = i + 1;
    }
    offset += start;
    carry = data.slice(start);
  }
  const size = (await file.stat()).size;
  if (size > validEnd) {
    report.cutBytes = size - validEnd;
    await file.truncate(validEnd);
  }
  await file.seek(0, Deno.SeekMode.End);
  const encoder = new TextEncoder();
  let buffer: string[] = [];
  let buffered = 0;
  const drain = async () => {
    const bytes = encoder.encode(buffer.join(""));
    for (let done = 0; done < bytes.length;) {
      done += await file.write(bytes.subarray(done));
    }
    buffer = [];
    buffered = 0;
  };
  for (const stored of ledger.results()) {
    if (inFile.has(resultKey(stored))) continue;
    const json = stored.json;
    buffer.push(json, "\n");
    buffered += json.length;
    report.appended++;
    if (buffered > 1 << 20) await drain();
  }
  if (buffer.length > 0) await drain();
  return report;
}

/**
 * The `url` and `recrawl` of a JSONL result line, or `undefined` when it is
 * not one.
 */
function resultOf(
  line: string,
): { url: string; recrawl?: number } | undefined {
  if (!line.startsWith("{") || !line.endsWith("}")) return undefined;
  try {
    const value = JSON.parse(line);
    if (typeof value?.url !== "string" || typeof value.status !== "number") {
      return undefined;
    }
    return Number.isSafeInteger(value.recrawl) && value.recrawl > 0
      ? { url: value.url, recrawl: value.recrawl }
      : { url: value.url };
  } catch {
    return undefined;
  }
}

/**
 * One line on how an output was brought in line with its store.
 *
 * @example Usage
 * ```ts
 * import { describeSync } from "./output_repair.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   describeSync("out.jsonl", {
 *     kept: 3, cutBytes: 0, appended: 1, uncommitted: 0, duplicates: 0,
 *   }),
 *   "trawl: out.jsonl: 3 result(s) kept, 1 committed result(s) appended",
 * );
 * ```
 *
 * @param path The output file.
 * @param r What the repair changed.
 * @returns The line, without a newline.
 */
export function describeSync(path: string, r: SyncReport): string {
  const parts = [`${r.kept} result(s) kept`];
  if (r.cutBytes > 0) {
    parts.push(`${r.cutBytes} byte(s) of a partial or corrupt tail cut`);
  }
  if (r.appended > 0) parts.push(`${r.appended} committed result(s) appended`);
  if (r.uncommitted > 0) {
    parts.push(
      `${r.uncommitted} line(s) whose commit was lost (fetched again for their links, not written again)`,
    );
  }
  if (r.duplicates > 0) parts.push(`${r.duplicates} repeated line(s) found`);
  return `trawl: ${path}: ${parts.join(", ")}`;
}
