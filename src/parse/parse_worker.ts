/**
 * The parse worker: runs {@linkcode parseHtml} on page bodies sent by the
 * crawler's `WorkerPool`, and replies with each page packed (see
 * {@linkcode packPage}). A task is one page, or a batch of pages each with
 * its own trace, run inside `traceVar` so worker-side code sees the trace
 * of the request it works for. A batch whose pages run an extraction hook
 * comes with a shared progress cell (see `ParseBatcher`), so the pool can
 * tell which page's hook ended the worker.
 *
 * @module
 */
import type {
  prepareBlock as PrepareBlock,
  PreparedBlock,
} from "../archive/prepared_block.ts";
import { serveWorker } from "../concurrency/serve_worker.ts";
import { parseWithHook } from "../content/extract_page.ts";
import { parseInSpan } from "../telemetry/parse_span.ts";
import { type Trace, traceVar } from "../telemetry/trace.ts";
import {
  type PackedPage,
  packPage,
  parseHtml,
  type ParseInput,
} from "./parse_html.ts";

/** One page of a batch, with the trace of its request. */
export interface BatchItem extends ParseInput {
  /** The request's trace (restored around the parse). */
  trace?: Trace;
}

/**
 * A batch whose pages run the extraction hook. Before parsing page `i` the
 * worker stores `2i + 1` in `progress[0]`, and `2i + 2` when its hook
 * starts: after a crash or a hang, the pool reads which page was running
 * and in which step.
 */
export interface HookBatch {
  /** The pages. */
  items: BatchItem[];
  /** One `Int32Array` cell on a `SharedArrayBuffer`. */
  progress: Int32Array;
}

/**
 * A page's outcome in a batch: the page, or why it failed (with its WARC
 * block, made before the parse).
 */
export type BatchResult = PackedPage | {
  error: { name: string; message: string };
  warc?: PreparedBlock;
};

/** Makes a page's WARC block: loaded when a page first asks for one. */
let prepareBlock: typeof PrepareBlock | undefined;

/**
 * Loads `prepareBlock` when one of `items` needs it and it is not loaded:
 * a crawl that writes no WARC file never loads the archive's code here.
 */
function warcReady(
  items: readonly ParseInput[],
): Promise<void> | undefined {
  if (prepareBlock || !items.some((i) => i.warcHead)) return undefined;
  return import("../archive/prepared_block.ts").then((m) => {
    prepareBlock = m.prepareBlock;
  });
}

/** A page's WARC block, made before its parse, or why it could not be. */
type Made = { block?: PreparedBlock } | { failed: unknown };

/**
 * Makes a page's WARC block, if asked for. It is made before the parse: the
 * crawl may have handed the body over, so a page that fails to parse still
 * comes back with it.
 */
function makeBlock(item: ParseInput): Made {
  if (!item.warcHead) return {};
  try {
    return { block: prepareBlock!(item.warcHead, new Uint8Array(item.body)) };
  } catch (err) {
    return { failed: err };
  }
}

/** Parses one page, given its WARC block. */
function parseItem(item: BatchItem, made: Made = makeBlock(item)): BatchResult {
  try {
    if ("failed" in made) return failure(made.failed);
    const block = made.block;
    try {
      const bytes = new Uint8Array(item.body);
      const parse = () => packPage(parseHtml(bytes, item), item.sessionParams);
      const trace = item.trace;
      const page = trace
        ? traceVar.run(trace, () => parseInSpan(trace, item, "worker", parse))
        : parse();
      if (block) page.warc = block;
      return page;
    } catch (err) {
      return failure(err, block);
    }
  } finally {
    // Free the body now rather than at the next GC: bodies are most of the
    // memory a crawl holds, and an ArrayBuffer's bytes live outside the heap.
    item.body.transfer?.(0);
  }
}

function parseOne(input: ParseInput): PackedPage {
  const result = parseItem(input);
  if (!("error" in result)) return result;
  throw Object.assign(new Error(result.error.message), result.error);
}

/**
 * Parses a batch: all its WARC blocks first, then all its parses. Each
 * run keeps its own state in the cache (deflate's is about 300 kB): a WARC
 * crawl's parse worker spent about 8 µs a page less than when it took the
 * two turn about.
 */
function parseBatch(batch: BatchItem[]): BatchResult[] {
  const made = batch.map(makeBlock);
  return batch.map((item, i) => parseItem(item, made[i]));
}

function failure(err: unknown, warc?: PreparedBlock): BatchResult {
  const e = err instanceof Error ? err : new Error(String(err));
  const result: BatchResult = { error: { name: e.name, message: e.message } };
  if (warc) result.warc = warc;
  return result;
}

let shielded = false;

/**
 * Keeps an error a hook throws outside its own call (a timer, a promise it
 * did not await) from ending the worker and the other pages of its batch.
 */
function shieldFromHooks(): void {
  if (shielded) return;
  shielded = true;
  globalThis.addEventListener("error", (e) => e.preventDefault());
  globalThis.addEventListener("unhandledrejection", (e) => e.preventDefault());
}

/** One page of a hook batch: parsed, then its hook run, in its trace. */
function parseWithItsHook(
  item: BatchItem,
  onHook: () => void,
): Promise<PackedPage> {
  const extract = item.extract;
  const bytes = new Uint8Array(item.body);
  const parse = async () => {
    const page = packPage(
      extract === undefined
        ? parseHtml(bytes, item)
        : await parseWithHook(bytes, { ...item, extract }, undefined, onHook),
      item.sessionParams,
    );
    if (item.warcHead) {
      const block = prepareBlock!(item.warcHead, bytes);
      if (block) page.warc = block;
    }
    return page;
  };
  return item.trace ? traceVar.run(item.trace, parse) : parse();
}

async function parseHookBatch(batch: HookBatch): Promise<BatchResult[]> {
  shieldFromHooks();
  const { items, progress } = batch;
  await warcReady(items);
  const results: BatchResult[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    Atomics.store(progress, 0, 2 * i + 1);
    try {
      results.push(
        await parseWithItsHook(
          item,
          () => Atomics.store(progress, 0, 2 * i + 2),
        ),
      );
    } catch (err) {
      results.push(failure(err));
    } finally {
      item.body.transfer?.(0);
    }
  }
  return results;
}

serveWorker(
  (input: ParseInput | BatchItem[] | HookBatch) => {
    if ("items" in input) return parseHookBatch(input);
    const items = Array.isArray(input) ? input : [input];
    const run = () =>
      Array.isArray(input) ? parseBatch(input) : parseOne(input);
    return warcReady(items)?.then(run) ?? run();
  },
  {
    context: traceVar,
    // Each WARC block's deflate run has a buffer of its own: move it back.
    transfer: (out) =>
      (Array.isArray(out) ? out : [out]).flatMap((page) =>
        "warc" in page && page.warc
          ? [page.warc.deflated.buffer as ArrayBuffer]
          : []
      ),
  },
);
