/**
 * Reading WARC files back in tests with webrecorder's npm `warcio` parser
 * (not trawl's own reader), and checking every record the way
 * `warcio check` does: each digest recomputed over the stored bytes.
 *
 * @module
 */
import { CDXIndexer, Indexer, WARCParser } from "warcio";
import { createHash } from "node:crypto";
import { base32 } from "../../src/archive/digest.ts";

/** One record as read back. */
export interface Rec {
  /** The file it is in. */
  file: string;
  /** Its gzip member's offset and length in the file. */
  offset: number;
  length: number;
  type: string;
  id: string;
  date: string;
  uri?: string;
  concurrentTo: string[];
  /** Every WARC field (names lower-cased; repeated ones joined by ", "). */
  fields: Map<string, string>;
  /** The raw block. */
  block: Uint8Array;
  /** For HTTP records: the status (responses), the head's text, the payload. */
  status?: number;
  head?: string;
  payload?: Uint8Array;
  /** For HTTP records: the head's headers, lower-cased, in order. */
  headers?: [string, string][];
}

/** A digest as WARC writes it. */
export function sha1(...parts: Uint8Array[]): string {
  const hash = createHash("sha1");
  for (const p of parts) hash.update(p);
  return `sha1:${base32(hash.digest())}`;
}

/**
 * Every record of `files`, in order, read with npm `warcio` (raw blocks:
 * `parseHttp: false`), HTTP blocks split into head and payload.
 */
export async function readWarcs(files: readonly string[]): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const file of files) {
    using handle = await Deno.open(file);
    const parser = new WARCParser(handle.readable, { parseHttp: false });
    for await (const record of parser) {
      const block = await record.readFully(false);
      const h = record.warcHeaders.headers as Headers;
      const fields = new Map<string, string>();
      for (const [k, v] of h) fields.set(k.toLowerCase(), v);
      const rec: Rec = {
        file,
        offset: parser.offset,
        length: parser.recordLength,
        type: h.get("WARC-Type") ?? "",
        id: h.get("WARC-Record-ID") ?? "",
        date: h.get("WARC-Date") ?? "",
        uri: h.get("WARC-Target-URI") ?? undefined,
        concurrentTo: (h.get("WARC-Concurrent-To") ?? "").split(/,\s*/)
          .filter((s) => s !== ""),
        fields,
        block,
      };
      if ((h.get("Content-Type") ?? "").startsWith("application/http")) {
        splitHttp(rec);
      }
      out.push(rec);
    }
  }
  return out;
}

function splitHttp(rec: Rec): void {
  const b = rec.block;
  let end = -1;
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end === -1) throw new Error(`no HTTP head in ${rec.type} ${rec.uri}`);
  rec.head = new TextDecoder("latin1").decode(b.subarray(0, end));
  rec.payload = b.subarray(end + 4);
  const lines = rec.head.split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]);
  if (status) rec.status = Number(status[1]);
  rec.headers = lines.slice(1).map((l) => {
    const c = l.indexOf(":");
    return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
  });
}

/** A header of an HTTP record's head. */
export function header(rec: Rec, name: string): string | undefined {
  return rec.headers?.find(([k]) => k === name)?.[1];
}

/**
 * The problems `warcio check` (and a careful reader) would report: digests
 * that do not match, missing fields, a file not opened by `warcinfo`,
 * request and response records not linked both ways, a revisit without its
 * original, a `Content-Length` in an HTTP head that is not the payload's.
 */
export function checkRecords(records: readonly Rec[]): string[] {
  const problems: string[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const firstOfFile = new Map<string, Rec>();
  for (const r of records) {
    if (!firstOfFile.has(r.file)) firstOfFile.set(r.file, r);
  }
  for (const [file, r] of firstOfFile) {
    if (r.type !== "warcinfo") problems.push(`${file} starts with ${r.type}`);
  }
  for (const r of records) {
    const where = `${r.type} ${r.uri ?? ""} (${r.file}@${r.offset})`;
    if (!/^<urn:uuid:[0-9a-f-]{36}>$/.test(r.id)) {
      problems.push(`${where}: id ${r.id}`);
    }
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.date)) {
      problems.push(`${where}: date ${r.date}`);
    }
    const block = r.fields.get("warc-block-digest");
    if (block !== undefined && block !== sha1(r.block)) {
      problems.push(`${where}: block digest`);
    }
    if (r.type === "warcinfo") continue;
    if (block === undefined) problems.push(`${where}: no block digest`);
    const payload = r.fields.get("warc-payload-digest");
    if (payload === undefined) problems.push(`${where}: no payload digest`);
    if (r.type === "response" || r.type === "request") {
      if (payload !== sha1(r.payload!)) {
        problems.push(`${where}: payload digest`);
      }
    }
    if (r.type === "response" || r.type === "revisit") {
      const length = header(r, "content-length");
      if (r.type === "response" && length !== String(r.payload!.length)) {
        problems.push(
          `${where}: content-length ${length} for ${r.payload!.length} bytes`,
        );
      }
    }
    if (r.concurrentTo.length !== 1) {
      problems.push(`${where}: ${r.concurrentTo.length} WARC-Concurrent-To`);
    }
    const other = byId.get(r.concurrentTo[0]);
    if (other === undefined) {
      problems.push(`${where}: WARC-Concurrent-To nowhere`);
    } else if (other.uri !== r.uri || !other.concurrentTo.includes(r.id)) {
      problems.push(`${where}: not linked back from ${other.type}`);
    }
    if (r.type === "revisit") {
      const original = byId.get(r.fields.get("warc-refers-to") ?? "");
      if (original === undefined) problems.push(`${where}: original missing`);
      else if (
        original.fields.get("warc-payload-digest") !== payload ||
        original.uri !== r.fields.get("warc-refers-to-target-uri") ||
        original.date !== r.fields.get("warc-refers-to-date")
      ) problems.push(`${where}: refers to a different record`);
    }
  }
  return problems;
}

/** The `.warc.gz` files in `dir`, sorted. */
export async function warcFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".warc.gz")) out.push(`${dir}/${e.name}`);
  }
  return out.sort();
}

/** What `warcio index` lists: one entry per record. */
export async function warcioIndex(
  files: readonly string[],
): Promise<Record<string, unknown>[]> {
  const indexer = new Indexer({
    fields: ["offset", "length", "warc-type", "warc-target-uri"],
  });
  return await collect(indexer, files);
}

/** What `warcio cdx-index` lists (what pywb looks records up in). */
export async function cdxIndex(
  files: readonly string[],
): Promise<Record<string, unknown>[]> {
  return await collect(new CDXIndexer({ format: "json" }), files);
}

async function collect(
  indexer: Indexer,
  files: readonly string[],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const file of files) {
    using handle = await Deno.open(file);
    const streams = [{ filename: file, reader: handle.readable }];
    for await (const entry of indexer.iterIndex(streams)) out.push(entry);
  }
  return out;
}
