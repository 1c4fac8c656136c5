/**
 * Test helper: a loopback OTLP/HTTP receiver (JSON encoding) that keeps the
 * spans, metric data points and log records it is sent, and the environment
 * that points a Deno subprocess's built-in OpenTelemetry at it.
 */
import { serve, type TestServer } from "../_support/serve.ts";

/** An attribute value as OTLP/JSON encodes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

/** A span, flattened: attributes as a plain object. */
export interface ReceivedSpan {
  name: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; time: bigint }[];
  links: {
    traceId: string;
    spanId: string;
    attributes: Record<string, unknown>;
  }[];
  status: { code?: number; message?: string };
}

/** One metric data point, flattened. */
export interface ReceivedPoint {
  metric: string;
  unit: string;
  kind: "sum" | "gauge" | "histogram";
  attributes: Record<string, unknown>;
  /** The value (a sum or gauge), or the histogram's count. */
  value: number;
  /** A histogram's sum. */
  sum?: number;
}

/** One log record, flattened. */
export interface ReceivedLog {
  severity: string;
  body: string;
  traceId: string;
  spanId: string;
}

/** A running receiver. */
export interface OtlpReceiver extends AsyncDisposable {
  /** The server (its request log holds every export). */
  server: TestServer;
  /** The environment for a subprocess exporting here. */
  env: Record<string, string>;
  /** Spans received so far. */
  spans: ReceivedSpan[];
  /** trawl's metric data points received so far. */
  points: ReceivedPoint[];
  /** Log records received so far. */
  logs: ReceivedLog[];
}

function valueOf(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

// deno-lint-ignore no-explicit-any
type Json = any;

function takeSpans(body: Json, out: ReceivedSpan[]): void {
  for (const rs of body.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          name: s.name,
          scope: ss.scope?.name ?? "",
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? "",
          kind: s.kind,
          start: BigInt(s.startTimeUnixNano),
          end: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e: Json) => ({
            name: e.name,
            time: BigInt(e.timeUnixNano),
          })),
          links: (s.links ?? []).map((l: Json) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            attributes: attrs(l.attributes),
          })),
          status: s.status ?? {},
        });
      }
    }
  }
}

function takePoints(body: Json, out: ReceivedPoint[]): void {
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      if (sm.scope?.name !== "trawl") continue;
      for (const m of sm.metrics ?? []) {
        const kind = m.sum ? "sum" : m.gauge ? "gauge" : "histogram";
        for (const p of (m.sum ?? m.gauge ?? m.histogram).dataPoints ?? []) {
          out.push({
            metric: m.name,
            unit: m.unit ?? "",
            kind,
            attributes: attrs(p.attributes),
            value: kind === "histogram"
              ? Number(p.count)
              : Number(p.asDouble ?? p.asInt),
            sum: p.sum,
          });
        }
      }
    }
  }
}

function takeLogs(body: Json, out: ReceivedLog[]): void {
  for (const rl of body.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          severity: r.severityText ?? "",
          body: String(r.body?.stringValue ?? ""),
          traceId: r.traceId ?? "",
          spanId: r.spanId ?? "",
        });
      }
    }
  }
}

/**
 * Starts a receiver on 127.0.0.1 serving `/v1/traces`, `/v1/metrics` and
 * `/v1/logs`. Its `env` turns Deno's OpenTelemetry on (`OTEL_DENO=true`),
 * exporting here as `http/json`, with short batch intervals.
 *
 * Metrics are exported every `metricIntervalMs` when given (Deno's default
 * is 60 s; they are exported at exit either way). Give it only to a process
 * that ends by itself: in Deno 2.9.6 a `Deno.exit()` (as `cli.ts` ends) that
 * meets a metric collection in progress can hang for good, deaf to SIGTERM
 * (about 1 exit in 10 with a 100 ms interval, none in 100 with the default).
 *
 * @param options How often metrics are exported, in ms.
 * @returns The receiver.
 */
export function startReceiver(
  options: { metricIntervalMs?: number } = {},
): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const logs: ReceivedLog[] = [];
  const server = serve(async (req, url) => {
    const body = await req.json();
    if (url.pathname === "/v1/traces") takeSpans(body, spans);
    else if (url.pathname === "/v1/metrics") takePoints(body, points);
    else if (url.pathname === "/v1/logs") takeLogs(body, logs);
    else return new Response("not found", { status: 404 });
    return Response.json({});
  });
  return {
    server,
    env: {
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "trawl-test",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: server.origin,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_BLRP_SCHEDULE_DELAY: "100",
      ...(options.metricIntervalMs === undefined ? {} : {
        OTEL_METRIC_EXPORT_INTERVAL: String(options.metricIntervalMs),
      }),
    },
    spans,
    points,
    logs,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
