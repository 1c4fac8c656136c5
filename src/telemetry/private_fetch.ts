/**
 * Keeping trace ids from the crawled sites.
 *
 * With OpenTelemetry on, Deno's `fetch` makes a client span for each request
 * and injects its context into the request: a `traceparent` header (and
 * `tracestate` and `baggage` when there are any), so every site crawled
 * would learn the crawl's trace ids. A context carrying OpenTelemetry's
 * "suppress tracing" flag makes the propagators inject nothing, while the
 * request still gets its span, parented as before: that is what
 * {@linkcode privateFetch} runs each request in.
 *
 * @module
 */
import { context, createContextKey } from "@opentelemetry/api";
import { otelTracer } from "./otel.ts";

/** The context key OpenTelemetry's propagators check before injecting. */
const SUPPRESS_TRACING = createContextKey(
  "OpenTelemetry SDK Context Key SUPPRESS_TRACING",
);

/**
 * `fetchFn`, made to send no trace context (`traceparent`, `tracestate`,
 * `baggage`) unless `propagate` is set. With tracing off, or with
 * `propagate`, it is `fetchFn` itself: nothing to strip, nothing added.
 *
 * @example Requests that keep their trace ids to themselves
 * ```ts
 * import { privateFetch } from "./private_fetch.ts";
 *
 * const quiet = privateFetch(fetch, false);
 * console.log(typeof quiet);
 * ```
 *
 * @param fetchFn The `fetch` to wrap.
 * @param propagate Send the trace context (the `propagateTrace` option).
 * @returns The `fetch` to crawl with.
 */
export function privateFetch(
  fetchFn: typeof fetch,
  propagate: boolean,
): typeof fetch {
  if (propagate || otelTracer() === undefined) return fetchFn;
  return (input, init) =>
    context.with(
      context.active().setValue(SUPPRESS_TRACING, true),
      () => fetchFn(input, init),
    );
}
