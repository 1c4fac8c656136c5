/**
 * Whether OpenTelemetry is on, and trawl's tracer and meter when it is.
 *
 * trawl instruments itself with the OpenTelemetry API (`@opentelemetry/api`)
 * and nothing else. Deno registers its built-in providers with that API when
 * started with `OTEL_DENO=true`; without them (or a provider a program
 * registers itself) the API hands out no-op tracers and meters. trawl asks
 * once, when a crawl or a parser worker starts, and then takes one of two
 * paths: with OpenTelemetry off it makes no span, no context and no
 * attribute object at all.
 *
 * @module
 */
import {
  createNoopMeter,
  type Meter,
  metrics,
  ProxyTracer,
  trace,
  type Tracer,
} from "@opentelemetry/api";

/** The instrumentation scope of trawl's spans and metrics. */
const SCOPE = "trawl";

/** The class of the API's no-op meter (what `getMeter` gives when off). */
const NoopMeter = createNoopMeter().constructor;

/**
 * trawl's tracer, or `undefined` when no tracer provider is registered
 * (OpenTelemetry is off).
 *
 * @example Off unless a provider is registered
 * ```ts
 * import { otelTracer } from "./otel.ts";
 *
 * const tracer = otelTracer();
 * console.log(tracer ? "tracing" : "not tracing");
 * ```
 *
 * @returns The tracer, if spans are recorded.
 */
export function otelTracer(): Tracer | undefined {
  const tracer = trace.getTracer(SCOPE);
  // Without a registered provider the API returns a proxy to a no-op.
  return tracer instanceof ProxyTracer ? undefined : tracer;
}

/**
 * trawl's meter, or `undefined` when no meter provider is registered
 * (OpenTelemetry is off).
 *
 * @example Off unless a provider is registered
 * ```ts
 * import { otelMeter } from "./otel.ts";
 *
 * console.log(otelMeter() ? "metrics on" : "metrics off");
 * ```
 *
 * @returns The meter, if metrics are recorded.
 */
export function otelMeter(): Meter | undefined {
  const meter = metrics.getMeter(SCOPE);
  return meter instanceof NoopMeter ? undefined : meter;
}
