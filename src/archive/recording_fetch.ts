/**
 * A `fetch` that archives what it fetches: the hook for requests made
 * outside a page's fetch (robots.txt, sitemaps). Wrap the `fetch` such code
 * uses and every exchange it makes reaches the crawl's archive before the
 * caller sees the response.
 *
 * @module
 */
import { readBody } from "../fetch/read_body.ts";
import { exchangeOf, type ExchangeSink } from "./exchange.ts";

/** Statuses whose responses have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `fetch` so each response is read (up to `maxBytes`) and recorded in
 * `sink` before the caller gets it, as a new `Response` with the same
 * status and headers and the bytes read. The caller's own limits still
 * apply to that body; `signal` in its `init` cancels the read and the
 * recording too.
 *
 * @example Archive robots.txt fetches
 * ```ts ignore
 * import { recordingFetch } from "./recording_fetch.ts";
 *
 * const robotsFetch = recordingFetch(fetch, archive, 512_000);
 * const res = await robotsFetch("https://example.com/robots.txt");
 * ```
 *
 * @param fetch The `fetch` to wrap.
 * @param sink Where exchanges go.
 * @param maxBytes The most body bytes read and kept.
 * @returns The recording `fetch`.
 */
export function recordingFetch(
  fetch: typeof globalThis.fetch,
  sink: ExchangeSink,
  maxBytes: number,
): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const signal = init?.signal ?? undefined;
    const date = Date.now();
    const response = await fetch(input, init);
    const { bytes, truncated } = await readBody(response.body, {
      maxBytes,
      signal,
    });
    await sink.record(
      exchangeOf({
        url: new URL(request.url),
        headers: request.headers,
        date,
        response,
        body: bytes,
        truncated,
        method: request.method,
      }),
      { signal },
    );
    const copy = new Response(
      NULL_BODY.has(response.status) ? null : bytes as Uint8Array<ArrayBuffer>,
      {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      },
    );
    return copy;
  };
}
