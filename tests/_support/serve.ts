/**
 * The one way tests start an HTTP server: `Deno.serve` on 127.0.0.1 with a
 * request log, reachable under two host names (two crawl hosts), disposed
 * with `await using`.
 *
 * @module
 */

/** One request a test server received. */
export interface HitRecord {
  /** Path and query. */
  path: string;
  /** The `Host` header (tells `127.0.0.1:P` from `localhost:P`). */
  host: string;
  /** `performance.now()` on arrival. */
  time: number;
  /** The request's headers. */
  headers: Headers;
}

/** Answers a test server's requests. */
export type Handler = (req: Request, url: URL) => Response | Promise<Response>;

/** A running `Deno.serve` server with a request log. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** `http://localhost:PORT` (another crawl host, same server). */
  alt: string;
  /** The port. */
  port: number;
  /** Every request, in arrival order. */
  log: HitRecord[];
  /**
   * Requests for `path` (exact path and query), optionally on one host.
   *
   * @param path The path.
   * @param host `"127.0.0.1"` or `"localhost"`.
   * @returns The count.
   */
  hits(path: string, host?: string): number;
}

/**
 * Starts `Deno.serve` on 127.0.0.1 and logs each request.
 *
 * @example Usage
 * ```ts ignore
 * await using srv = serve(() => new Response("hi"));
 * ```
 *
 * @param handler Answers requests.
 * @param options `onError` answers a handler that threw.
 * @returns The server.
 */
export function serve(
  handler: Handler,
  options: { onError?: (err: unknown) => Response } = {},
): TestServer {
  const log: HitRecord[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, onError: options.onError },
    (req) => {
      const url = new URL(req.url);
      log.push({
        path: url.pathname + url.search,
        host: req.headers.get("host") ?? "",
        time: performance.now(),
        headers: req.headers,
      });
      return handler(req, url);
    },
  );
  const port = server.addr.port;
  return {
    origin: `http://127.0.0.1:${port}`,
    alt: `http://localhost:${port}`,
    port,
    log,
    hits(path: string, host?: string): number {
      return log.filter((h) =>
        h.path === path && (host === undefined || h.host.startsWith(host))
      ).length;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/**
 * An HTML response (`text/html; charset=utf-8` unless overridden).
 *
 * @param body The body.
 * @param init Status and headers.
 * @returns The response.
 */
export function html(
  body: BodyInit | null,
  init: ResponseInit & { headers?: Record<string, string> } = {},
): Response {
  return new Response(body, {
    ...init,
    headers: { "content-type": "text/html; charset=utf-8", ...init.headers },
  });
}

/**
 * A response that never comes: settles (with a response nobody reads) only
 * when the client goes away.
 *
 * @param req The request.
 * @returns A promise that settles when the client hangs up.
 */
export function stall(req: Request): Promise<Response> {
  return new Promise((resolve) => {
    req.signal.addEventListener("abort", () => resolve(new Response(null)));
  });
}
