/**
 * The request headers of a crawl, built once per trust level: the seeds'
 * origins get every configured header; other origins get them without the
 * credentials. Every request shares one of the two `Headers` objects
 * (`fetch` copies them into its request and never changes them).
 *
 * @module
 */
import type { FetcherConfig } from "./fetcher.ts";

/** Headers never sent to an origin other than the seeds'. */
const SENSITIVE_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/** What a request accepts unless the configured headers say otherwise. */
const ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5";

type HeaderConfig = Pick<FetcherConfig, "headers" | "userAgent">;

const built = new WeakMap<
  HeaderConfig,
  { trusted: Headers; untrusted: Headers }
>();

function build(config: HeaderConfig, trusted: boolean): Headers {
  const headers = new Headers(config.headers);
  headers.set("user-agent", config.userAgent);
  if (!headers.has("accept")) headers.set("accept", ACCEPT);
  if (!trusted) { for (const h of SENSITIVE_HEADERS) headers.delete(h); }
  return headers;
}

/**
 * The headers of a request under `config`: the configured ones, the user
 * agent and an `accept`, without `authorization`, `cookie` and
 * `proxy-authorization` unless `trusted` (the URL's origin is a seed's).
 * Built on first use for each config and trust level, then shared: do not
 * change the object returned.
 *
 * @example Credentials go to the seeds' origins only
 * ```ts
 * import { requestHeaders } from "./request_headers.ts";
 * import assert from "node:assert/strict";
 *
 * const config = { headers: { cookie: "id=1" }, userAgent: "bot" };
 * assert.equal(requestHeaders(config, true).get("cookie"), "id=1");
 * assert.equal(requestHeaders(config, false).has("cookie"), false);
 * assert.equal(requestHeaders(config, false), requestHeaders(config, false));
 * ```
 *
 * @param config The crawl's headers and user agent.
 * @param trusted Whether the request goes to a seed's origin.
 * @returns The shared headers.
 */
export function requestHeaders(
  config: HeaderConfig,
  trusted: boolean,
): Headers {
  let both = built.get(config);
  if (!both) {
    both = { trusted: build(config, true), untrusted: build(config, false) };
    built.set(config, both);
  }
  return trusted ? both.trusted : both.untrusted;
}
