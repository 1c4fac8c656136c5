/**
 * A loopback HTTP server for the fixture sites in `fixtures/<name>/`: it
 * serves `site/**` files and the per-path behaviour described in
 * `server.json` (status, headers, raw bytes, delays, stalls, drips, retry
 * sequences, generated large bodies, gzip). See `fixtures/README.md`.
 *
 * @module
 */
import { delay } from "../../src/concurrency/clock.ts";
import { serve } from "./serve.ts";

/** The behaviour of one path, as written in `server.json`. */
export interface RouteSpec {
  /** The HTTP status. @default {200} */
  status?: number;
  /** Extra response headers; `{{origin}}`/`{{alt}}`/`{{port}}` are replaced in values. */
  headers?: Record<string, string>;
  /** The body as text; `{{origin}}`/`{{alt}}`/`{{port}}` are replaced. */
  body?: string;
  /** A file under `site/` to serve as the body (templated when textual). */
  file?: string;
  /** Raw body bytes, `"hex:cff0..."` or `"base64:..."` (not templated). */
  bodyBytes?: string;
  /** Appended to a textual content type as `; charset=...`. */
  charset?: string;
  /** Milliseconds to wait before sending the headers. */
  delayMs?: number;
  /**
   * `"headers"`: send the headers, then no byte until the client aborts;
   * `"connect"`: never answer at all.
   */
  stall?: "headers" | "connect";
  /** Send the body `bytes` bytes at a time, every `intervalMs`. */
  drip?: { bytes: number; intervalMs: number };
  /** Route objects used on the 1st, 2nd, ... hit; the last repeats. */
  sequence?: RouteSpec[];
  /** Generate this many bytes of HTML filler, streamed (for "too-large"). */
  size?: number;
  /** Compress the body with gzip (`Content-Encoding: gzip`). */
  gzip?: boolean;
}

/** The contents of a fixture's `server.json`. */
export interface ServerSpec {
  /** Behaviour per path (`pathname`, or `pathname?query` for an exact match). */
  routes?: Record<string, RouteSpec>;
}

/** One request the fixture server received. */
export interface FixtureRequest {
  /** Path and query of the request. */
  path: string;
  /** `performance.now()` when it arrived. */
  time: number;
  /** The request headers. */
  headers: Headers;
}

/** A running fixture server. Close it (or `await using` it) in every test. */
export interface FixtureServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** `http://localhost:PORT`: the same server under another host name. */
  readonly altOrigin: string;
  /**
   * The absolute URL of a path on the fixture origin.
   *
   * @param path A path such as `/a.html`.
   * @returns `origin + path`.
   */
  url(path: string): string;
  /** Requests received per path (`pathname` plus query, if any). */
  readonly hits: Map<string, number>;
  /** Every request received, in order. */
  readonly requests: FixtureRequest[];
  /**
   * Ends every stall, delay and drip and shuts the server down.
   *
   * @returns When the server is closed.
   */
  close(): Promise<void>;
}

/** Where the fixture directories live. */
export const FIXTURES_DIR: URL = new URL("../../fixtures/", import.meta.url);

const TYPES: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  xhtml: "application/xhtml+xml",
  txt: "text/plain",
  xml: "application/xml",
  json: "application/json",
  css: "text/css",
  js: "text/javascript",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
};

function extension(path: string): string {
  const last = path.slice(path.lastIndexOf("/") + 1);
  const dot = last.lastIndexOf(".");
  return dot < 0 ? "" : last.slice(dot + 1).toLowerCase();
}

/** The content type of a path by extension (no extension: HTML). */
function typeOf(path: string): string {
  const ext = extension(path);
  if (ext === "") return "text/html";
  return TYPES[ext] ?? "application/octet-stream";
}

function isTextual(type: string): boolean {
  return type.startsWith("text/") || type.endsWith("+xml") ||
    type.endsWith("/xml") || type.endsWith("/json");
}

function decodeBytes(spec: string): Uint8Array {
  if (spec.startsWith("hex:")) {
    const hex = spec.slice(4).replace(/\s+/g, "");
    if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) {
      throw new TypeError(`Cannot decode 'bodyBytes' as hex: "${spec}"`);
    }
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) {
      out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    }
    return out;
  }
  if (spec.startsWith("base64:")) {
    const bin = atob(spec.slice(7).replace(/\s+/g, ""));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
  throw new TypeError(
    `Cannot decode 'bodyBytes' as it must start with "hex:" or "base64:": current value is "${spec}"`,
  );
}

/** A stream of `size` bytes of HTML filler, produced as it is read. */
function fillerStream(size: number, signal: AbortSignal): ReadableStream<
  Uint8Array
> {
  const head = new TextEncoder().encode(
    "<!doctype html><html><head><title>Large</title></head><body>\n",
  );
  const line = new TextEncoder().encode(
    "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n",
  );
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = line[i % line.length];
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (signal.aborted || sent >= size) {
        controller.close();
        return;
      }
      const first = sent === 0;
      const source = first ? head : chunk;
      const n = Math.min(source.length, size - sent);
      controller.enqueue(source.slice(0, n));
      sent += n;
    },
  }, { highWaterMark: 0 });
}

/** A stream that sends `bytes` in pieces of `step` every `intervalMs`. */
function dripStream(
  bytes: Uint8Array,
  step: number,
  intervalMs: number,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  let offset = 0;
  const local = new AbortController();
  const both = AbortSignal.any([signal, local.signal]);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      if (offset > 0) {
        try {
          await delay(intervalMs, both);
        } catch {
          try {
            controller.close();
          } catch { /* already cancelled */ }
          return;
        }
      }
      controller.enqueue(bytes.slice(offset, offset + Math.max(1, step)));
      offset += Math.max(1, step);
    },
    cancel() {
      local.abort();
    },
  }, { highWaterMark: 0 });
}

/** A body that never sends a byte; it ends when `signal` aborts or it is cancelled. */
function stallStream(signal: AbortSignal): ReadableStream<Uint8Array> {
  let onAbort: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        try {
          controller.close();
        } catch { /* already cancelled */ }
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    },
    cancel() {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    },
  });
}

/** Resolves when `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

async function readIfFile(url: URL): Promise<Uint8Array | undefined> {
  try {
    const info = await Deno.stat(url);
    if (!info.isFile) return undefined;
    return await Deno.readFile(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/**
 * Starts a server for `fixtures/<name>/` on 127.0.0.1 with a free port.
 *
 * @example Usage
 * ```ts ignore
 * await using server = await serveFixture("links");
 * const res = await fetch(server.url("/"));
 * await res.body?.cancel();
 * ```
 *
 * @param name The fixture directory's name.
 * @param options `dir`: the directory holding the fixtures (for tests).
 * @returns The running server.
 */
export async function serveFixture(
  name: string,
  options: { dir?: URL } = {},
): Promise<FixtureServer> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) {
    throw new TypeError(
      `Cannot serve fixture as 'name' must be a plain directory name: current value is "${name}"`,
    );
  }
  const root = new URL(`${name}/`, options.dir ?? FIXTURES_DIR);
  const siteRoot = new URL("site/", root);
  let spec: ServerSpec = {};
  const specBytes = await readIfFile(new URL("server.json", root));
  if (specBytes) spec = JSON.parse(new TextDecoder().decode(specBytes));
  const routes = spec.routes ?? {};

  const hits = new Map<string, number>();
  const closing = new AbortController();
  let origin = "";
  let altOrigin = "";
  let port = "";

  const template = (text: string): string =>
    text.replaceAll("{{origin}}", origin).replaceAll("{{alt}}", altOrigin)
      .replaceAll("{{port}}", port);

  /** A path under `site/`, or undefined when it escapes it. */
  const siteFile = (path: string): URL | undefined => {
    let p = path;
    if (p.endsWith("/")) p += "index.html";
    const url = new URL(`.${p}`, siteRoot);
    return url.href.startsWith(siteRoot.href) ? url : undefined;
  };

  const textBody = (bytes: Uint8Array, type: string): Uint8Array =>
    isTextual(type)
      ? new TextEncoder().encode(template(new TextDecoder().decode(bytes)))
      : bytes;

  const notFound = (): Response =>
    new Response(
      "<!doctype html><title>Not Found</title><h1>404 Not Found</h1>\n",
      { status: 404, headers: { "content-type": "text/html" } },
    );

  async function respond(
    url: URL,
    signal: AbortSignal,
    watchClient: () => void,
  ): Promise<Response> {
    const key = url.pathname + url.search;
    const hit = (hits.get(key) ?? 0) + 1;
    hits.set(key, hit);

    let route = routes[key] ?? routes[url.pathname];
    if (route?.sequence && route.sequence.length > 0) {
      const { sequence, ...base } = route;
      route = { ...base, ...sequence[Math.min(hit, sequence.length) - 1] };
    }

    if (route === undefined) {
      const file = siteFile(url.pathname);
      const bytes = file && await readIfFile(file);
      if (!bytes) return notFound();
      const type = typeOf(file.pathname);
      return new Response(textBody(bytes, type) as BodyInit, {
        headers: { "content-type": type },
      });
    }

    if (route.stall === "connect" || route.delayMs) watchClient();
    if (route.stall === "connect") {
      await untilAborted(signal);
      return new Response(null, { status: 503 });
    }
    if (route.delayMs) {
      try {
        await delay(route.delayMs, signal);
      } catch {
        return new Response(null, { status: 503 });
      }
    }

    const headers = new Headers();
    for (const [k, v] of Object.entries(route.headers ?? {})) {
      headers.set(k, template(v));
    }
    const status = route.status ?? 200;
    let type = route.file ? typeOf(route.file) : typeOf(url.pathname);
    if (headers.has("content-type")) type = headers.get("content-type")!;
    else if (route.charset) type += `; charset=${route.charset}`;
    headers.set("content-type", type);
    const mediaType = type.split(";")[0].trim().toLowerCase();

    let bytes: Uint8Array | undefined;
    let stream: ReadableStream<Uint8Array> | undefined;
    if (route.bodyBytes !== undefined) bytes = decodeBytes(route.bodyBytes);
    else if (route.body !== undefined) {
      bytes = new TextEncoder().encode(template(route.body));
    } else if (route.file !== undefined) {
      const file = siteFile(`/${route.file.replace(/^\//, "")}`);
      const raw = file && await readIfFile(file);
      if (!raw) throw new Error(`fixture ${name}: no file ${route.file}`);
      bytes = textBody(raw, mediaType);
    } else if (route.size !== undefined) {
      stream = fillerStream(route.size, signal);
    } else if (status !== 204 && status !== 304) {
      const file = siteFile(url.pathname);
      const raw = file && await readIfFile(file);
      bytes = raw ? textBody(raw, mediaType) : new Uint8Array();
    }

    if (route.stall === "headers") stream = stallStream(signal);
    else if (route.drip && bytes) {
      stream = dripStream(
        bytes,
        route.drip.bytes,
        route.drip.intervalMs,
        signal,
      );
    }
    if (status === 204 || status === 304) {
      return new Response(null, { status, headers });
    }
    let body: ReadableStream<Uint8Array> | Uint8Array = stream ??
      bytes ?? new Uint8Array();
    if (route.gzip) {
      headers.set("content-encoding", "gzip");
      const source = body instanceof Uint8Array
        ? new Blob([body as Uint8Array<ArrayBuffer>]).stream()
        : body;
      body = source.pipeThrough(
        new CompressionStream("gzip") as unknown as TransformStream<
          Uint8Array,
          Uint8Array
        >,
      );
    }
    return new Response(body as BodyInit, { status, headers });
  }

  const server = serve(async (req, url) => {
    // Client aborts are seen through `req.signal` only until the response
    // is returned (later, through the body stream's `cancel`); the server
    // closing ends everything, including bodies still streaming.
    // `req.signal` is touched only when needed: Deno warns about its legacy
    // abort-on-success behaviour on first use.
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.signal.reason);
    const onClose = () => ac.abort(closing.signal.reason);
    closing.signal.addEventListener("abort", onClose, { once: true });
    let watching = false;
    const watchClient = () => {
      if (watching) return;
      watching = true;
      if (req.signal.aborted) onAbort();
      else req.signal.addEventListener("abort", onAbort, { once: true });
    };
    try {
      return await respond(url, ac.signal, watchClient);
    } finally {
      if (watching) req.signal.removeEventListener("abort", onAbort);
    }
  }, {
    onError(err) {
      console.error("fixture server error:", err);
      return new Response("fixture server error", { status: 500 });
    },
  });
  port = String(server.port);
  origin = server.origin;
  altOrigin = server.alt;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing.abort(new Error("fixture server closed"));
      await server[Symbol.asyncDispose]();
    })();
    return closed;
  };

  return {
    origin,
    altOrigin,
    url: (path: string) => origin + path,
    hits,
    requests: server.log,
    close,
    [Symbol.asyncDispose]: close,
  };
}
