/**
 * The `trawl.parse` span, made where the parse runs: in a parser worker, a
 * child of its page's span across the thread boundary (the page's trace
 * travels with the task, see `WorkerPool`'s `context`), or on the main
 * thread when there are no workers.
 *
 * @module
 */
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  trace as otelTrace,
  type Tracer,
} from "@opentelemetry/api";
import type { PackedPage, ParseInput } from "../parse/parse_html.ts";
import { otelTracer } from "./otel.ts";
import type { Trace } from "./trace.ts";

/** Where a parse runs. */
export type ParseThread = "worker" | "main";

/** This thread's tracer, looked up on the first parse. */
let tracer: Tracer | undefined | null = null;

/**
 * Runs `parse` in a `trawl.parse` span, child of the page span `trace`
 * names, when tracing is on and the page's span was recorded; otherwise
 * just runs it.
 *
 * @example Outside any traced page, a plain call
 * ```ts
 * import { parseInSpan } from "./parse_span.ts";
 * import { packPage, parseHtml } from "../parse/parse_html.ts";
 * import assert from "node:assert/strict";
 *
 * const input = { body: new TextEncoder().encode("<title>a</title>").buffer, url: "https://a.test/" };
 * const page = parseInSpan(undefined, input, "main", () =>
 *   packPage(parseHtml(new Uint8Array(input.body), input)));
 * assert.equal(page.title, "a");
 * ```
 *
 * @param trace The page's trace (its ids are the page span's when sampled).
 * @param input The page being parsed.
 * @param thread Where the parse runs.
 * @param parse The parse.
 * @returns What `parse` returns.
 */
export function parseInSpan(
  trace: Trace | undefined,
  input: ParseInput,
  thread: ParseThread,
  parse: () => PackedPage,
): PackedPage {
  if (tracer === null) tracer = otelTracer();
  if (tracer === undefined || !trace?.sampled) return parse();
  const parent = otelTrace.setSpanContext(ROOT_CONTEXT, {
    traceId: trace.traceId,
    spanId: trace.spanId,
    traceFlags: 1,
    isRemote: thread === "worker",
  });
  const span = tracer.startSpan("trawl.parse", {
    attributes: {
      "url.full": input.url,
      "trawl.bytes": input.body.byteLength,
      "trawl.parse.thread": thread,
    },
  }, parent);
  try {
    const page = parse();
    span.setAttribute("trawl.links", countLinks(page.links));
    if (page.truncated > 0) {
      span.setAttribute("trawl.links_dropped", page.truncated);
    }
    return page;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    span.recordException(e);
    span.setAttribute("error.type", e.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    throw err;
  } finally {
    span.end();
  }
}

/** Links in a packed list (`"\n"`-joined; `""` for none). */
function countLinks(links: string): number {
  if (links === "") return 0;
  let n = 1;
  for (let i = links.indexOf("\n"); i >= 0; i = links.indexOf("\n", i + 1)) {
    n++;
  }
  return n;
}
