/**
 * Why a request failed, in a few words. Deno's `fetch` rejects every
 * network failure with the same `TypeError: fetch failed`; the cause behind
 * it is a message like `error sending request for url (…): client error
 * (Connect): tcp connect error: Connection refused (os error 111)`, and
 * `node:dns` rejects with a `code` (`ENOTFOUND`). {@linkcode networkCause}
 * reads the whole cause chain and names the failure.
 *
 * @module
 */
import {
  FetchError,
  HttpError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "./errors.ts";

/** The kinds of network failure a request can end with. */
export type NetworkFailure =
  /** Nothing listens on the port (`ECONNREFUSED`). */
  | "connection-refused"
  /** The peer reset the connection (`ECONNRESET`). */
  | "connection-reset"
  /** The server closed the connection before a whole response. */
  | "connection-closed"
  /** The host name does not exist (`ENOTFOUND`, NXDOMAIN). */
  | "dns-not-found"
  /** The name could not be resolved now (`EAI_AGAIN`, no DNS server). */
  | "dns-failed"
  /** The TLS handshake failed (certificate, protocol). */
  | "tls"
  /** No route to the host or its network. */
  | "unreachable"
  /** The connection attempt timed out. */
  | "timeout";

/** A named network failure. */
export interface NetworkCause {
  /** Its kind. */
  kind: NetworkFailure;
  /** A few words for people: `"connection refused"`. */
  message: string;
}

/** Codes (`node:` errors) and the failure each names. */
const CODES: Readonly<Record<string, NetworkFailure>> = {
  ECONNREFUSED: "connection-refused",
  ECONNRESET: "connection-reset",
  EPIPE: "connection-closed",
  ECONNABORTED: "connection-closed",
  ENOTFOUND: "dns-not-found",
  EAI_NONAME: "dns-not-found",
  EAI_NODATA: "dns-not-found",
  EAI_AGAIN: "dns-failed",
  EAI_FAIL: "dns-failed",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  ETIMEDOUT: "timeout",
};

/** Message patterns (Rust's and the OS's wording) and the failure each names. */
const PATTERNS: ReadonlyArray<readonly [RegExp, NetworkFailure]> = [
  [/connection refused/i, "connection-refused"],
  [/connection reset/i, "connection-reset"],
  [
    /name or service not known|no address associated|nodename nor servname|no such host|NXDOMAIN/i,
    "dns-not-found",
  ],
  [/temporary failure in name resolution/i, "dns-failed"],
  [
    /certificate|\btls\b|\bssl\b|handshake|corrupt message|InvalidContentType|UnknownIssuer/i,
    "tls",
  ],
  [
    /no route to host|network is unreachable|host is unreachable/i,
    "unreachable",
  ],
  [/timed out|connect timeout/i, "timeout"],
  [
    /connection closed|unexpected eof|broken pipe|connection aborted|incomplete message/i,
    "connection-closed",
  ],
];

/** The words each failure is reported with. */
const WORDS: Readonly<Record<NetworkFailure, string>> = {
  "connection-refused": "connection refused",
  "connection-reset": "connection reset",
  "connection-closed": "connection closed by the server",
  "dns-not-found": "DNS name not found",
  "dns-failed": "DNS lookup failed",
  "tls": "TLS failure",
  "unreachable": "host unreachable",
  "timeout": "connection timed out",
};

/** Deno's wrapping around the real cause of a failed request. */
const BOILERPLATE =
  /^error sending request (?:for url \([^)]*\)|from \S+ for \S+ \([^)]*\)): (?:client error \([^)]*\): )?/i;

/**
 * Names the network failure behind `err`, looking through its `cause`
 * chain (codes first, then the runtime's and the OS's wording), or
 * `undefined` when it is not one it knows. A TLS failure keeps its detail
 * (`"TLS failure: invalid peer certificate: UnknownIssuer"`).
 *
 * @example Deno's wrapped "connection refused"
 * ```ts
 * import { networkCause } from "./network_cause.ts";
 * import assert from "node:assert/strict";
 *
 * const err = new TypeError("fetch failed", {
 *   cause: new Error(
 *     "error sending request for url (http://127.0.0.1:8399/): client error (Connect): tcp connect error: Connection refused (os error 111)",
 *   ),
 * });
 * assert.deepEqual(networkCause(err), {
 *   kind: "connection-refused",
 *   message: "connection refused",
 * });
 * ```
 *
 * @param err What a request rejected with.
 * @returns The failure, if it is a known one.
 */
export function networkCause(err: unknown): NetworkCause | undefined {
  const chain = causeChain(err);
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    const kind = typeof code === "string" ? CODES[code] : undefined;
    if (kind) return cause(kind, e);
    if (e instanceof Error && e.name in NAMED) return cause(NAMED[e.name], e);
  }
  for (const e of chain) {
    const text = e instanceof Error ? e.message : String(e);
    for (const [pattern, kind] of PATTERNS) {
      if (pattern.test(text)) return cause(kind, e);
    }
  }
  return undefined;
}

/** `Deno.errors` classes and the failure each names. */
const NAMED: Readonly<Record<string, NetworkFailure>> = {
  ConnectionRefused: "connection-refused",
  ConnectionReset: "connection-reset",
  ConnectionAborted: "connection-closed",
  BrokenPipe: "connection-closed",
  TimedOut: "timeout",
  HostUnreachable: "unreachable",
  NetworkUnreachable: "unreachable",
};

function cause(kind: NetworkFailure, e: unknown): NetworkCause {
  if (kind !== "tls") return { kind, message: WORDS[kind] };
  const detail = strip(e instanceof Error ? e.message : String(e));
  return { kind, message: detail ? `${WORDS.tls}: ${detail}` : WORDS.tls };
}

/** `err` and its causes, outermost first (at most 8). */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 8;) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

function strip(message: string): string {
  return message.replace(BOILERPLATE, "").trim();
}

/**
 * What a failed request's error says, in few words: the named network
 * failure, else the innermost cause's message without the runtime's
 * wrapping (never a bare `"fetch failed"`), else the error's own message.
 *
 * @example
 * ```ts
 * import { failureText } from "./network_cause.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(failureText(new TypeError("dns error")), "dns error");
 * const err = new TypeError("fetch failed", {
 *   cause: new Error("error sending request for url (http://a.test/): client error (Connect): weird"),
 * });
 * assert.equal(failureText(err), "weird");
 * ```
 *
 * @param err What a request rejected with.
 * @returns The words for it.
 */
export function failureText(err: unknown): string {
  const named = networkCause(err);
  if (named) return named.message;
  const chain = causeChain(err);
  const inner = chain[chain.length - 1];
  const text = inner instanceof Error ? inner.message : String(inner);
  return strip(text) || text;
}

/**
 * The failure a reason names, when it is one of {@linkcode networkCause}'s
 * (`"connection refused"`, `"TLS failure: …"`).
 *
 * @example
 * ```ts
 * import { failureOf } from "./network_cause.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(failureOf("DNS name not found"), "dns-not-found");
 * assert.equal(failureOf("HTTP 503"), undefined);
 * ```
 *
 * @param reason A failure's reason (see {@linkcode failureReason}).
 * @returns Its kind, if it names one.
 */
export function failureOf(reason: string): NetworkFailure | undefined {
  for (const [kind, words] of Object.entries(WORDS)) {
    if (reason === words || reason.startsWith(`${words}: `)) {
      return kind as NetworkFailure;
    }
  }
  return undefined;
}

/** Failures that mean a host cannot be reached at all. */
const HOST_DOWN: ReadonlySet<NetworkFailure> = new Set<NetworkFailure>([
  "connection-refused",
  "dns-not-found",
  "dns-failed",
  "unreachable",
  "timeout",
  "tls",
]);

/**
 * Whether a failure's reason (see {@linkcode failureReason}) says its host
 * cannot be reached at all: refused, no such name, no route, a timeout, a
 * TLS failure (not a connection the server dropped after accepting it).
 *
 * @example
 * ```ts
 * import { isHostUnreachable } from "./network_cause.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isHostUnreachable("connection refused"), true);
 * assert.equal(isHostUnreachable("timed out after 30000 ms"), true);
 * assert.equal(isHostUnreachable("HTTP 503"), false);
 * ```
 *
 * @param reason A failure's reason.
 * @returns `true` when the host is unreachable.
 */
export function isHostUnreachable(reason: string): boolean {
  const kind = failureOf(reason);
  return (kind !== undefined && HOST_DOWN.has(kind)) ||
    reason.startsWith("timed out after");
}

/**
 * A failure in few words, without its URL: a `FetchError`'s reason, `HTTP
 * 503`, `timed out after 30000 ms`, `redirect loop`, or the message.
 *
 * @example
 * ```ts
 * import { failureReason } from "./network_cause.ts";
 * import { FetchError, HttpError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const refused = new FetchError("http://a.test/", "connection refused");
 * assert.equal(failureReason(refused), "connection refused");
 * assert.equal(failureReason(new HttpError("http://a.test/", 503)), "HTTP 503");
 * ```
 *
 * @param err The error.
 * @returns Its reason.
 */
export function failureReason(err: unknown): string {
  if (err instanceof FetchError) return err.reason;
  if (err instanceof HttpError) return `HTTP ${err.status}`;
  if (err instanceof RequestTimeoutError) {
    return `timed out after ${err.timeoutMs} ms`;
  }
  if (err instanceof IdleTimeoutError) {
    return `no bytes received for ${err.idleTimeoutMs} ms`;
  }
  if (err instanceof RedirectError) return `redirect ${err.problem}`;
  return err instanceof Error ? err.message : String(err);
}
