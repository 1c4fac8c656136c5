/**
 * The spans of a crawl: one trace per URL, rooted in its `trawl.page` span,
 * linked to the span of the page where the URL was found.
 *
 * Why a trace per page: a crawl is millions of requests over hours. As one
 * trace it could not be opened in Jaeger or Tempo (they load a trace
 * whole), it would never be finished, and a sampler could only keep or drop
 * all of it. A page's trace is small (the page, its robots.txt lookup, its
 * politeness wait, its fetch attempts with Deno's own `fetch` spans, its
 * parse in a worker) and complete when the page is done; the link to the
 * referring page's span leads from any page to the one that found it, and
 * every span carries `trawl.crawl.id` to search one crawl.
 *
 * Under `trawl.page`:
 *
 * - `trawl.wait`: from when the host's queue started to wait for a slot to
 *   when a fetcher took the URL, with events `permit` (the per-host slot)
 *   and `token` (the rate limit's token). Stores that wait outside this
 *   process (Redis) report none.
 * - `trawl.robots`: the robots.txt lookup (cached, or a fetch below it).
 * - `trawl.fetch`: one per attempt, with Deno's `fetch` span (one per
 *   redirect hop) below it.
 * - `trawl.parse`: the parse, in the worker that ran it (see
 *   `parse_span.ts`).
 *
 * @module
 */
import {
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanAttributes,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Tracer,
} from "@opentelemetry/api";
import type { Clock } from "../concurrency/clock.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { FetchOutcome } from "../fetch/fetcher.ts";
import type { FrontierEntry, PoliteWait } from "../frontier/store.ts";
import { otelTracer } from "./otel.ts";
import type { Trace } from "./trace.ts";

/** A URL's place in the crawl, as the page span needs it. */
export type PageEntry =
  & Pick<FrontierEntry, "url" | "depth" | "parentSpanId" | "parentTraceId">
  & { wait?: PoliteWait };

/** A `trawl.page` span opened by {@linkcode CrawlSpans.open}. */
export interface PageSpan {
  /** Runs one step of the page's work in the span's context. */
  run<T>(step: () => Promise<T>): Promise<T>;
  /** Ends the span with what the result says. */
  end(result: CrawlResult): void;
  /** Ends the span as failed (the work threw). */
  fail(err: unknown): void;
  /**
   * Runs the last step in the span's context, then ends the span with the
   * result it gives, or as failed when it throws.
   */
  last(step: () => Promise<CrawlResult>): Promise<CrawlResult>;
}

/**
 * Makes the crawl's spans. Exists only while tracing is on (see
 * {@linkcode CrawlSpans.start}): the crawler then calls its hooks, and never
 * otherwise.
 *
 * @example A page's span, and the ids its result carries
 * ```ts
 * import { CrawlSpans } from "./spans.ts";
 * import { systemClock } from "../concurrency/clock.ts";
 *
 * const spans = CrawlSpans.start(systemClock, "0".repeat(32));
 * console.log(spans ? "tracing" : "OpenTelemetry is off");
 * ```
 */
export class CrawlSpans {
  readonly #tracer: Tracer;
  readonly #clock: Clock;
  readonly #crawlId: string;

  private constructor(tracer: Tracer, clock: Clock, crawlId: string) {
    this.#tracer = tracer;
    this.#clock = clock;
    this.#crawlId = crawlId;
  }

  /**
   * The crawl's spans, or `undefined` when tracing is off.
   *
   * @param clock The crawl's clock (wait stamps are read on it).
   * @param crawlId The crawl's id (`trawl.crawl.id` on every page span).
   * @returns The spans, if tracing is on.
   */
  static start(clock: Clock, crawlId: string): CrawlSpans | undefined {
    const tracer = otelTracer();
    return tracer && new CrawlSpans(tracer, clock, crawlId);
  }

  /**
   * Opens the `trawl.page` span of one URL whose work runs in steps (the
   * request, then the parse): each step runs in it with `run`, and `end`
   * (or `fail`, or `last` around the last step) closes it. `trace` takes the
   * span's ids: the results and logs carry the exported ids, and the trace is
   * marked sampled when the span is recorded (so the parse worker adds its
   * span).
   *
   * @param entry The URL, its depth, referring span and politeness wait.
   * @param trace The request's trace; its ids are replaced.
   * @returns The open span.
   */
  open(entry: PageEntry, trace: Trace): PageSpan {
    const now = this.#clock.now();
    const offset = Date.now() - now;
    const wait = entry.wait;
    const span = this.#tracer.startSpan("trawl.page", {
      root: true,
      startTime: wait ? wait.since + offset : undefined,
      attributes: this.#pageAttributes(entry),
      links: referrerLink(entry.parentTraceId, entry.parentSpanId),
    });
    const ids = span.spanContext();
    trace.traceId = ids.traceId;
    trace.spanId = ids.spanId;
    trace.sampled = (ids.traceFlags & TraceFlags.SAMPLED) !== 0;
    const ctx = setSpan(span);
    if (wait) this.#wait(ctx, wait, now, offset);
    const page: PageSpan = {
      run: (step) => context.with(ctx, step),
      end: (result) => {
        describeResult(span, result);
        span.end();
      },
      fail: (err) => endFailed(span, err),
      last: (step) =>
        page.run(step).then(
          (result) => {
            page.end(result);
            return result;
          },
          (err) => {
            page.fail(err);
            throw err;
          },
        ),
    };
    return page;
  }

  /**
   * Gives a URL settled without a request (a skipped extension, a trap) its
   * `trawl.page` span: a root, ended at once, linked to the page that found
   * the URL. The result takes the span's ids.
   *
   * @param result The settled result.
   */
  settled(result: CrawlResult): void {
    const { parentTraceId, parentSpanId } = result.trace;
    const span = this.#tracer.startSpan("trawl.page", {
      root: true,
      attributes: this.#pageAttributes(result),
      links: referrerLink(parentTraceId, parentSpanId),
    });
    const ids = span.spanContext();
    result.trace.traceId = ids.traceId;
    result.trace.spanId = ids.spanId;
    describeResult(span, result);
    span.end();
  }

  /**
   * Runs a robots.txt lookup in a `trawl.robots` span.
   *
   * @param url The URL whose host's robots.txt is looked up.
   * @param run The lookup; resolves to whether `url` is allowed.
   * @returns What `run` returns.
   */
  robots<T extends { isAllowed(url: URL): boolean }>(
    url: URL,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.#child(
      "trawl.robots",
      {
        "url.full": `${url.origin}/robots.txt`,
        ...serverAttributes(url),
      },
      run,
      (span, policy) => {
        span.setAttribute("trawl.robots.allowed", policy.isAllowed(url));
      },
    );
  }

  /**
   * Runs one fetch attempt in a `trawl.fetch` span: Deno's `fetch` spans
   * (one per redirect hop) are its children.
   *
   * @param url The URL asked for.
   * @param attempt The attempt's number, from 1.
   * @param run The attempt.
   * @returns What `run` returns.
   */
  attempt<T extends FetchOutcome>(
    url: string,
    attempt: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const u = new URL(url);
    return this.#child(
      "trawl.fetch",
      {
        "http.request.method": "GET",
        "url.full": url,
        ...serverAttributes(u),
        "trawl.attempt": attempt,
      },
      run,
      describeOutcome,
    );
  }

  /** The `trawl.wait` span, from its stamps (clock readings). */
  #wait(ctx: Context, wait: PoliteWait, now: number, offset: number): void {
    const span = this.#tracer.startSpan("trawl.wait", {
      startTime: wait.since + offset,
      attributes: {
        "trawl.wait.permit_ms": wait.permit - wait.since,
        "trawl.wait.token_ms": wait.token - wait.permit,
        "trawl.wait.handoff_ms": now - wait.token,
      },
    }, ctx);
    span.addEvent("permit", wait.permit + offset);
    span.addEvent("token", wait.token + offset);
    span.end(now + offset);
  }

  #pageAttributes(
    entry: Pick<FrontierEntry, "url" | "depth">,
  ): SpanAttributes {
    const u = new URL(entry.url);
    return {
      "http.request.method": "GET",
      "url.full": entry.url,
      ...serverAttributes(u),
      "trawl.depth": entry.depth,
      "trawl.crawl.id": this.#crawlId,
    };
  }

  /** Runs `run` in a child span of the active one. */
  #child<T>(
    name: string,
    attributes: SpanAttributes,
    run: () => Promise<T>,
    describe: (span: Span, value: T) => void,
  ): Promise<T> {
    const span = this.#tracer.startSpan(name, { attributes });
    return context.with(setSpan(span, context.active()), run).then(
      (value) => {
        describe(span, value);
        span.end();
        return value;
      },
      (err) => {
        endFailed(span, err);
        throw err;
      },
    );
  }
}

/** `server.address` and `server.port` of a URL (the port even if implicit). */
function serverAttributes(url: URL): SpanAttributes {
  return {
    "server.address": url.hostname,
    "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
  };
}

/** The link to the referring page's span, when its trace is known. */
function referrerLink(
  traceId: string | undefined,
  spanId: string | undefined,
): Link[] | undefined {
  if (traceId === undefined || spanId === undefined) return undefined;
  return [{
    context: { traceId, spanId, traceFlags: 1, isRemote: true },
    attributes: { "trawl.link": "referrer" },
  }];
}

function setSpan(span: Span, parent: Context = ROOT_CONTEXT): Context {
  return trace.setSpan(parent, span);
}

/** What an attempt's outcome adds to its span. */
function describeOutcome(span: Span, out: FetchOutcome): void {
  if (out.status > 0) {
    span.setAttribute("http.response.status_code", out.status);
  }
  span.setAttribute("trawl.bytes", out.bytes);
  if (out.skipped) span.setAttribute("trawl.skip_reason", out.skipped);
  markError(span, out.error, out.status);
}

/** What a result adds to its page span. */
function describeResult(span: Span, r: CrawlResult): void {
  if (r.status > 0) span.setAttribute("http.response.status_code", r.status);
  if (r.finalUrl !== r.url) span.setAttribute("trawl.final_url", r.finalUrl);
  span.setAttributes({
    "trawl.attempts": r.attempts,
    "trawl.bytes": r.bytes,
    "trawl.links": r.links,
  });
  if (r.contentType) span.setAttribute("trawl.content_type", r.contentType);
  if (r.skipped) span.setAttribute("trawl.skip_reason", r.skipped);
  markError(span, r.error, r.status);
}

/**
 * Marks a span failed, as OpenTelemetry's HTTP conventions say: `error.type`
 * is the error's name, or the status code for a 4xx or 5xx answer.
 */
function markError(
  span: Span,
  error: { name: string; message: string } | undefined,
  status: number,
): void {
  if (error) {
    span.setAttribute("error.type", error.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else if (status >= 400) {
    span.setAttribute("error.type", String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** Ends a span whose work threw (the crawl was cancelled, mostly). */
function endFailed(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setAttribute("error.type", e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  span.end();
}
