/**
 * One HTTP exchange as trawl made it — the request it sent and the response
 * it read — and the sink that archives exchanges. The fetcher reports every
 * exchange of a page (each redirect hop, each retry) through
 * `FetchOptions.onExchange`; any other fetch (robots.txt, a sitemap) hands
 * its exchanges to the crawl's {@linkcode ExchangeSink}, most simply by
 * wrapping its `fetch` with `recordingFetch`.
 *
 * @module
 */
import type { PreparedResponse } from "./prepared_block.ts";

/** One request sent and the response read. */
export interface Exchange {
  /** The URL requested (absolute, without fragment). */
  url: string;
  /** The request method. */
  method: string;
  /**
   * The request headers as sent, in order, with the ones Deno's `fetch`
   * adds (see {@linkcode sentHeaders}).
   */
  requestHeaders: [string, string][];
  /** When the request was sent, as epoch ms. */
  date: number;
  /** The response status. */
  status: number;
  /** The response's reason phrase (may be empty). */
  statusText: string;
  /** The response headers as received (names lower-cased by `fetch`). */
  responseHeaders: [string, string][];
  /**
   * The body as read: with `Content-Encoding` undone and chunked transfer
   * coding removed (Deno's `fetch` does both), at most the byte cap.
   */
  body: Uint8Array;
  /** Whether the body was cut at the byte cap. */
  truncated: boolean;
  /**
   * The server's IP address, when known. Deno's `fetch` does not tell which
   * address it connected to, so it is known only for a URL whose host is an
   * IP address.
   */
  ip?: string;
  /**
   * The response's block hashed and compressed already (by the parse
   * worker, for a page it parsed): the WARC writer uses it instead of
   * hashing and compressing the body itself.
   */
  prepared?: PreparedResponse;
}

/** Options of {@linkcode ExchangeSink.record}. */
export interface RecordOptions {
  /** Gives up waiting for the archive. */
  signal?: AbortSignal;
}

/**
 * Where exchanges go to be kept: the crawl's archive (WARC files, the
 * `save` folder).
 *
 * @example A sink that counts
 * ```ts
 * import type { Exchange, ExchangeSink } from "./exchange.ts";
 *
 * const seen: Exchange[] = [];
 * const sink: ExchangeSink = {
 *   record: (exchange) => {
 *     seen.push(exchange);
 *     return Promise.resolve();
 *   },
 * };
 * ```
 */
export interface ExchangeSink {
  /**
   * Keeps one exchange made outside a page's fetch (robots.txt, a
   * sitemap). Resolves once it is written; with a durable crawl, what the
   * caller commits after that is committed with it.
   */
  record(exchange: Exchange, options?: RecordOptions): Promise<void>;
}

/**
 * The request headers Deno's `fetch` sends for `headers`: the ones given,
 * then `host`, and `accept`, `accept-encoding`, `accept-language` and
 * `user-agent` with Deno's values where they were not given. (A `fetch`
 * other than Deno's may send others; trawl cannot see them.)
 *
 * @example
 * ```ts
 * import { sentHeaders } from "./exchange.ts";
 * import assert from "node:assert/strict";
 *
 * const sent = sentHeaders(new URL("http://a.test:8080/x"), new Headers({ "user-agent": "t" }));
 * assert.deepEqual(sent.find(([k]) => k === "host"), ["host", "a.test:8080"]);
 * assert.deepEqual(sent.find(([k]) => k === "accept-encoding"), ["accept-encoding", "gzip,br"]);
 * ```
 *
 * @param url The URL requested.
 * @param headers The headers given to `fetch` (read once per object: not
 * to be changed after a request).
 * @returns The header lines, in order.
 */
export function sentHeaders(
  url: URL,
  headers: Headers,
): [string, string][] {
  let rest = sent.get(headers);
  if (rest === undefined) {
    const lines: [string, string][] = [];
    for (const [name, value] of headers) {
      if (name !== "host") lines.push([name, value]);
    }
    const add = (name: string, value: string) => {
      if (!headers.has(name)) lines.push([name, value]);
    };
    add("accept", "*/*");
    add("accept-encoding", "gzip,br");
    add("accept-language", "*");
    add("user-agent", `Deno/${globalThis.Deno?.version?.deno ?? ""}`);
    sent.set(headers, rest = lines);
  }
  return [["host", url.host], ...rest];
}

/**
 * The header lines of each `Headers` object seen, after `host`: the
 * fetcher shares one object between its requests (and never changes it), so
 * each is read once.
 */
const sent = new WeakMap<Headers, readonly [string, string][]>();

/** Options of {@linkcode exchangeOf}. */
export interface ExchangeParts {
  /** The URL requested. */
  url: URL;
  /** The headers given to `fetch`. */
  headers: Headers;
  /** When the request was sent, epoch ms. */
  date: number;
  /** The response (its body is not read here). */
  response: Response;
  /** The body read. */
  body: Uint8Array;
  /** Whether the body was cut at the cap. */
  truncated: boolean;
  /**
   * The request method.
   *
   * @default {"GET"}
   */
  method?: string;
}

/**
 * An {@linkcode Exchange} from a request made with `fetch` and its response.
 *
 * @example
 * ```ts
 * import { exchangeOf } from "./exchange.ts";
 * import assert from "node:assert/strict";
 *
 * const ex = exchangeOf({
 *   url: new URL("http://127.0.0.1:8000/"),
 *   headers: new Headers(),
 *   date: Date.now(),
 *   response: new Response("hi", { status: 200 }),
 *   body: new TextEncoder().encode("hi"),
 *   truncated: false,
 * });
 * assert.equal(ex.ip, "127.0.0.1");
 * ```
 *
 * @param parts The request and the response read.
 * @returns The exchange.
 */
export function exchangeOf(parts: ExchangeParts): Exchange {
  const { url, response } = parts;
  const exchange: Exchange = {
    url: url.href,
    method: parts.method ?? "GET",
    requestHeaders: sentHeaders(url, parts.headers),
    date: parts.date,
    status: response.status,
    statusText: response.statusText,
    responseHeaders: headerLines(response.headers),
    body: parts.body,
    truncated: parts.truncated,
  };
  const ip = ipOf(url);
  if (ip !== undefined) exchange.ip = ip;
  return exchange;
}

/** The host of `url` when it is an IP address (IPv6 without brackets). */
function ipOf(url: URL): string | undefined {
  const host = url.hostname;
  if (host.startsWith("[")) return host.slice(1, -1);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host : undefined;
}

/**
 * The lines of `headers`, as their iterator gives them (sorted, combined,
 * `set-cookie` apart). `forEach` walks the same list: in Deno it takes a
 * sixth of the time the iterator does.
 */
function headerLines(headers: Headers): [string, string][] {
  const lines: [string, string][] = [];
  headers.forEach((value, name) => lines.push([name, value]));
  return lines;
}
