/**
 * A guard against server-side request forgery: links found on hostile pages
 * must not make the crawler connect to loopback, private, link-local (cloud
 * metadata at `169.254.169.254`), multicast or reserved addresses.
 *
 * {@linkcode isForbiddenAddress} classifies one IP address;
 * {@linkcode SsrfGuard} resolves a URL's host (cached, shared between
 * concurrent checks) and refuses it with an {@linkcode SsrfError} when any of
 * its addresses is forbidden.
 *
 * **Limit: DNS rebinding.** The check runs before each connection, but
 * `fetch` resolves the name again when it connects. A hostile name server can
 * answer the guard with a public address and `fetch` a moment later with a
 * private one. The guard narrows the window (and closes it for IP-literal
 * URLs); to close it for names, also run Deno with `--allow-net` limited to
 * what the crawl needs, or put an egress proxy or firewall in front.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { FetchError } from "../fetch/errors.ts";

/**
 * Resolves a hostname to its IP addresses (IPv4 dotted-quad or IPv6 text).
 * Rejects with `signal.reason` when `signal` aborts; any other rejection is a
 * resolution failure.
 */
export type Resolver = (
  hostname: string,
  signal?: AbortSignal,
) => Promise<string[]>;

/**
 * Resolves `hostname` with the system resolver, as `fetch` will when it
 * connects: `node:dns/promises` `lookup(hostname, { all: true, verbatim:
 * true })` (getaddrinfo, so `/etc/hosts` counts). Brackets around an IPv6
 * literal are removed.
 *
 * Permissions: Deno checks `--allow-net` for the hostname being resolved,
 * with any port (`--allow-net` or `--allow-net=example.com`;
 * `--allow-net=example.com:443` is not enough). No `--allow-sys` is needed.
 * Without the permission the lookup fails with code `EPERM`.
 *
 * getaddrinfo cannot be cancelled: when `signal` aborts, the promise rejects
 * with `signal.reason` at once and the lookup's late answer is dropped.
 *
 * @example Resolving an IP literal (no DNS query is sent)
 * ```ts
 * import { defaultResolver } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await defaultResolver("127.0.0.1"), ["127.0.0.1"]);
 * ```
 *
 * @param hostname The name to resolve (a URL's `hostname`).
 * @param signal Stops waiting for the answer.
 * @returns The addresses, in the resolver's order.
 */
export function defaultResolver(
  hostname: string,
  signal?: AbortSignal,
): Promise<string[]> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const host = hostname.startsWith("[") && hostname.endsWith("]")
    ? hostname.slice(1, -1)
    : hostname;
  const answer = lookup(host, { all: true, verbatim: true }).then((found) =>
    found.map((a) => a.address)
  );
  if (!signal) return answer;
  return new Promise<string[]>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    answer.then(
      (addresses) => {
        signal.removeEventListener("abort", onAbort);
        resolve(addresses);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * The crawler refused to connect to a URL because its host is, or resolves
 * to, a forbidden address (or its scheme is not http(s)). Not worth a retry.
 *
 * @example Usage
 * ```ts
 * import { SsrfError } from "@trawl/trawl";
 *
 * const err = new SsrfError(
 *   "http://evil.test/",
 *   "evil.test",
 *   "169.254.169.254",
 * );
 * console.log(err.name, err.hostname, err.address);
 * ```
 */
export class SsrfError extends Error {
  /** The URL that was refused. */
  readonly url: string;
  /** Its hostname (IPv6 literals in brackets, as in `URL.hostname`). */
  readonly hostname: string;
  /**
   * The forbidden address the host is or resolved to; `""` when the URL was
   * refused for its scheme.
   */
  readonly address: string;
  /**
   * Creates the error.
   *
   * @param url The URL refused.
   * @param hostname Its hostname.
   * @param address The forbidden address (`""` for a refused scheme).
   * @param options The underlying error.
   */
  constructor(
    url: string,
    hostname: string,
    address: string,
    options?: ErrorOptions,
  ) {
    super(
      address === ""
        ? `Refused to connect: only http: and https: URLs are checked (${url})`
        : `Refused to connect to ${hostname} at forbidden address ${address} (${url})`,
      options,
    );
    this.name = "SsrfError";
    this.url = url;
    this.hostname = hostname;
    this.address = address;
  }
}

/** Options of {@linkcode SsrfGuard}. */
export interface SsrfGuardOptions {
  /**
   * Resolves hostnames. Tests pass their own so nothing real is resolved.
   *
   * @default {defaultResolver}
   */
  resolver?: Resolver;
  /**
   * Hostnames that are never checked (the crawl's seed hosts, so a crawl of
   * `http://127.0.0.1:8000/` works). A port, if given, is ignored.
   *
   * @default {[]}
   */
  allowHosts?: Iterable<string>;
  /**
   * Decides whether one resolved address is forbidden.
   *
   * @default {isForbiddenAddress}
   */
  isForbidden?: (ip: string) => boolean;
  /**
   * How long a successful resolution is reused, in ms (`0`: never cached,
   * though concurrent checks still share one lookup). Failures are not
   * cached, so a retry resolves again.
   *
   * @default {60000}
   */
  cacheTtlMs?: number;
  /**
   * The clock that ages cache entries.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * The most hostnames kept in the cache; the least recently used goes first.
   *
   * @default {10000}
   */
  maxEntries?: number;
}

/** Counters of an {@linkcode SsrfGuard}. */
export interface SsrfGuardStats {
  /** Resolver calls made. */
  lookups: number;
  /** Checks answered from the cache. */
  hits: number;
  /** Checks that joined a lookup already in flight. */
  joined: number;
  /** Checks that threw {@linkcode SsrfError}. */
  refused: number;
}

interface Entry {
  /** Clock time after which the entry is stale. */
  expires: number;
  /** The first forbidden address, if any. */
  forbidden?: string;
}

interface Flight {
  promise: Promise<Entry>;
  controller: AbortController;
  waiters: number;
  settled: boolean;
}

/**
 * Refuses URLs whose host is, or resolves to, an address the crawler must
 * not connect to. Call {@linkcode SsrfGuard.check} before every request:
 * each redirect hop, robots.txt and sitemap fetches included.
 *
 * A hostname is refused when **any** of its addresses is forbidden (a name
 * with one public and one private address is refused, since `fetch` may pick
 * either). IP-literal hosts are classified without resolving. Answers are
 * cached per hostname for `cacheTtlMs` in a bounded LRU, and concurrent
 * checks of one hostname share one lookup. A failed resolution throws a
 * {@linkcode FetchError} (a network error: retried and reported).
 *
 * **Limit: DNS rebinding.** `fetch` resolves the name again when it
 * connects, so a hostile name server can answer the guard with a public
 * address and `fetch` with a private one. The guard does not close that
 * window for names; restrict `--allow-net` or use an egress proxy or
 * firewall as well.
 *
 * @example Refusing a name that resolves to a private address
 * ```ts
 * import { SsrfError, SsrfGuard } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * const dns = new Map([
 *   ["public.test", ["93.184.216.34"]],
 *   ["evil.test", ["93.184.216.34", "10.0.0.1"]],
 * ]);
 * const guard = new SsrfGuard({
 *   resolver: (host) => Promise.resolve(dns.get(host) ?? []),
 *   allowHosts: ["127.0.0.1"],
 * });
 * await guard.check(new URL("https://public.test/"));
 * await guard.check(new URL("http://127.0.0.1:8000/")); // a seed host
 * await assert.rejects(guard.check(new URL("https://evil.test/")), SsrfError);
 * // 2852039166 is how 169.254.169.254 may be spelled in a link.
 * await assert.rejects(guard.check(new URL("http://2852039166/")), SsrfError);
 * ```
 */
export class SsrfGuard {
  readonly #resolver: Resolver;
  readonly #isForbidden: (ip: string) => boolean;
  readonly #ttl: number;
  readonly #clock: Clock;
  readonly #maxEntries: number;
  readonly #allowed = new Set<string>();
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Flight>();
  readonly #stats: SsrfGuardStats = {
    lookups: 0,
    hits: 0,
    joined: 0,
    refused: 0,
  };

  /**
   * Creates a guard.
   *
   * @param options The resolver, allowed hosts, classifier and cache bounds.
   */
  constructor(options: SsrfGuardOptions = {}) {
    const {
      resolver = defaultResolver,
      isForbidden = isForbiddenAddress,
      cacheTtlMs = 60_000,
      clock = systemClock,
      maxEntries = 10_000,
    } = options;
    if (typeof resolver !== "function") {
      throw new TypeError(
        `Cannot create SsrfGuard as 'resolver' must be a function: current value is ${resolver}`,
      );
    }
    if (typeof isForbidden !== "function") {
      throw new TypeError(
        `Cannot create SsrfGuard as 'isForbidden' must be a function: current value is ${isForbidden}`,
      );
    }
    if (
      typeof cacheTtlMs !== "number" || !(cacheTtlMs >= 0) ||
      !Number.isFinite(cacheTtlMs)
    ) {
      throw new RangeError(
        `Cannot create SsrfGuard as 'cacheTtlMs' must be a non-negative finite number: current value is ${cacheTtlMs}`,
      );
    }
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(
        `Cannot create SsrfGuard as 'maxEntries' must be a positive integer: current value is ${maxEntries}`,
      );
    }
    this.#resolver = resolver;
    this.#isForbidden = isForbidden;
    this.#ttl = cacheTtlMs;
    this.#clock = clock;
    this.#maxEntries = maxEntries;
    for (const host of options.allowHosts ?? []) this.addAllowedHost(host);
  }

  /**
   * A snapshot of the guard's counters.
   *
   * @example Counting cache hits
   * ```ts
   * import { SsrfGuard } from "@trawl/trawl";
   * import assert from "node:assert/strict";
   *
   * const guard = new SsrfGuard({ resolver: () => Promise.resolve(["8.8.8.8"]) });
   * await guard.check(new URL("https://a.test/1"));
   * await guard.check(new URL("https://a.test/2"));
   * assert.equal(guard.stats.lookups, 1);
   * assert.equal(guard.stats.hits, 1);
   * ```
   */
  get stats(): SsrfGuardStats {
    return { ...this.#stats };
  }

  /**
   * Always allows `host` from now on (e.g. a seed added during the crawl).
   *
   * @example Allowing a loopback test server
   * ```ts
   * import { SsrfGuard } from "@trawl/trawl";
   *
   * const guard = new SsrfGuard();
   * guard.addAllowedHost("127.0.0.1");
   * await guard.check(new URL("http://127.0.0.1:8000/"));
   * ```
   *
   * @param host A hostname or IP address (IPv6 with or without brackets); a
   * port is ignored.
   */
  addAllowedHost(host: string): void {
    this.#allowed.add(normalizeHostname(host));
  }

  /**
   * Resolves when `url` may be fetched. Throws {@linkcode SsrfError} when its
   * scheme is not http(s) or its host is, or resolves to, a forbidden
   * address; throws {@linkcode FetchError} (with the resolver's error as
   * `cause`) when resolution fails or finds no address; rejects with
   * `signal.reason` when `signal` aborts.
   *
   * @example Checking each redirect hop
   * ```ts
   * import { SsrfError, SsrfGuard } from "@trawl/trawl";
   * import assert from "node:assert/strict";
   *
   * const guard = new SsrfGuard({
   *   resolver: () => Promise.resolve(["169.254.169.254"]),
   * });
   * const hop = new URL("/latest/meta-data/", "http://metadata.test/");
   * await assert.rejects(guard.check(hop), SsrfError);
   * ```
   *
   * @param url The URL about to be requested.
   * @param options `signal` cancels the check.
   * @returns A promise that resolves when the URL is allowed.
   */
  async check(
    url: URL,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (!(url instanceof URL)) {
      throw new TypeError(
        `Cannot check URL as 'url' must be a URL: current value is ${url}`,
      );
    }
    const { hostname, href } = url;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      this.#stats.refused++;
      throw new SsrfError(href, hostname, "");
    }
    if (this.#allowed.has(hostname)) return;
    const literal = ipLiteral(hostname);
    let forbidden: string | undefined;
    if (literal !== undefined) {
      if (this.#forbids(literal)) forbidden = literal;
    } else {
      forbidden = (await this.#resolve(hostname, href, signal)).forbidden;
    }
    if (forbidden !== undefined) {
      this.#stats.refused++;
      throw new SsrfError(href, hostname, forbidden);
    }
  }

  #forbids(ip: string): boolean {
    try {
      return this.#isForbidden(ip) !== false;
    } catch {
      return true; // fail closed
    }
  }

  async #resolve(
    hostname: string,
    href: string,
    signal: AbortSignal | undefined,
  ): Promise<Entry> {
    const cached = this.#cache.get(hostname);
    if (cached) {
      this.#cache.delete(hostname);
      if (cached.expires > this.#clock.now()) {
        this.#cache.set(hostname, cached); // most recently used
        this.#stats.hits++;
        return cached;
      }
    }
    let flight = this.#inflight.get(hostname);
    if (flight) this.#stats.joined++;
    else flight = this.#startLookup(hostname);
    try {
      return await this.#wait(hostname, flight, signal);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new FetchError(
        href,
        `DNS resolution of ${hostname} failed: ${message}`,
        { cause: err },
      );
    }
  }

  #startLookup(hostname: string): Flight {
    const controller = new AbortController();
    const flight: Flight = {
      controller,
      waiters: 0,
      settled: false,
      promise: Promise.resolve(null).then(async (): Promise<Entry> => {
        this.#stats.lookups++;
        try {
          const addresses = await this.#resolver(hostname, controller.signal);
          if (!Array.isArray(addresses) || addresses.length === 0) {
            throw new Error("no addresses found");
          }
          const entry: Entry = {
            expires: this.#clock.now() + this.#ttl,
            forbidden: addresses.find((a) => this.#forbids(a)),
          };
          if (!controller.signal.aborted && this.#ttl > 0) {
            this.#store(hostname, entry);
          }
          return entry;
        } finally {
          flight.settled = true;
          if (this.#inflight.get(hostname) === flight) {
            this.#inflight.delete(hostname);
          }
        }
      }),
    };
    // Nobody may be waiting when it settles (every waiter aborted).
    flight.promise.catch(() => {});
    this.#inflight.set(hostname, flight);
    return flight;
  }

  #wait(
    hostname: string,
    flight: Flight,
    signal: AbortSignal | undefined,
  ): Promise<Entry> {
    flight.waiters++;
    return new Promise<Entry>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters--;
        if (flight.waiters === 0 && !flight.settled) {
          // The last interested check left: cancel the lookup.
          if (this.#inflight.get(hostname) === flight) {
            this.#inflight.delete(hostname);
          }
          flight.controller.abort(signal!.reason);
        }
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (entry) => {
          signal?.removeEventListener("abort", onAbort);
          flight.waiters--;
          resolve(entry);
        },
        (err) => {
          signal?.removeEventListener("abort", onAbort);
          flight.waiters--;
          reject(err);
        },
      );
    });
  }

  #store(hostname: string, entry: Entry): void {
    this.#cache.delete(hostname);
    this.#cache.set(hostname, entry);
    while (this.#cache.size > this.#maxEntries) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
  }
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The forbidden IPv4 blocks: base address (as text) and prefix length. */
const FORBIDDEN_V4_TEXT = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // CGNAT (RFC 6598)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
] as const;

/** The forbidden IPv4 blocks as `[base >>> (32 - bits), bits]`. */
const FORBIDDEN_V4: ReadonlyArray<readonly [number, number]> = FORBIDDEN_V4_TEXT
  .map(([ip, bits]) => [parseIPv4(ip)! >>> (32 - bits), bits]);

/**
 * Whether a crawler of the public web must refuse to connect to `ip`.
 *
 * IPv4 (dotted decimal, as resolvers and `URL.hostname` give it): `0/8`,
 * `10/8`, `100.64/10`, `127/8`, `169.254/16`, `172.16/12`, `192.0.0/24`,
 * `192.0.2/24`, `192.168/16`, `198.18/15`, `198.51.100/24`, `203.0.113/24`,
 * `224/4`, `240/4` (with `255.255.255.255`).
 *
 * IPv6 (with or without brackets; a `%zone` is ignored): only global unicast
 * `2000::/3` may be allowed, so `::`, `::1`, ULA `fc00::/7`, link-local
 * `fe80::/10`, multicast `ff00::/8` and every other reserved block are
 * forbidden. Within `2000::/3`: documentation `2001:db8::/32` and
 * `3fff::/20`, benchmarking `2001:2::/48` and ORCHID `2001:10::/28`,
 * `2001:20::/28` are forbidden; 6to4 `2002::/16` and Teredo `2001::/32` are
 * forbidden when an IPv4 address they embed is. Outside it, IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d` and NAT64
 * `64:ff9b::/96` follow the embedded IPv4 address; the deprecated
 * IPv4-compatible `::a.b.c.d` and local NAT64 `64:ff9b:1::/48` are always
 * forbidden.
 *
 * Anything else, including odd spellings (`0x7f.1`, `2130706433`, leading
 * zeros) and non-strings, is unparseable and forbidden: fail closed. Pass a
 * `URL`'s `hostname`, which the URL parser has already normalized (it turns
 * `http://0x7f.1/` into `127.0.0.1`).
 *
 * @example Classifying addresses
 * ```ts
 * import { isForbiddenAddress } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isForbiddenAddress("169.254.169.254"), true);
 * assert.equal(isForbiddenAddress("::ffff:10.0.0.1"), true);
 * assert.equal(isForbiddenAddress(new URL("http://2130706433/").hostname), true);
 * assert.equal(isForbiddenAddress("8.8.8.8"), false);
 * assert.equal(isForbiddenAddress("2606:4700::1"), false);
 * assert.equal(isForbiddenAddress("not an address"), true);
 * ```
 *
 * @param ip An IPv4 or IPv6 address in text form.
 * @returns `true` when connecting to it must be refused.
 */
export function isForbiddenAddress(ip: string): boolean {
  if (typeof ip !== "string" || ip.length > 100) return true;
  const v4 = parseIPv4(ip);
  if (v4 !== undefined) return isForbiddenV4(v4);
  let text = ip;
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const v6 = parseIPv6(text);
  return v6 === undefined ? true : isForbiddenV6(v6);
}

function isForbiddenV4(ip: number): boolean {
  for (const [prefix, bits] of FORBIDDEN_V4) {
    if ((ip >>> (32 - bits)) === prefix) return true;
  }
  return false;
}

function isForbiddenV6(g: Uint16Array): boolean {
  const v4At = (i: number) => ((g[i] << 16) | g[i + 1]) >>> 0;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0) {
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated).
    if (g[4] === 0 && g[5] === 0xffff) return isForbiddenV4(v4At(6));
    if (g[4] === 0xffff && g[5] === 0) return isForbiddenV4(v4At(6));
    // ::, ::1, deprecated ::a.b.c.d, and the rest of ::/8.
    return true;
  }
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    // NAT64 well-known prefix 64:ff9b::/96; 64:ff9b:1::/48 is local use.
    if (g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) {
      return isForbiddenV4(v4At(6));
    }
    return true;
  }
  if ((g[0] & 0xe000) !== 0x2000) return true; // not global unicast 2000::/3
  if (g[0] === 0x2001) {
    if (g[1] === 0x0db8) return true; // documentation
    if (g[1] === 0) {
      // Teredo: server IPv4, then the client's IPv4 inverted.
      return isForbiddenV4(v4At(2)) || isForbiddenV4(~v4At(6) >>> 0);
    }
    if (g[1] === 2 && g[2] === 0) return true; // benchmarking 2001:2::/48
    if ((g[1] & 0xfff0) === 0x10 || (g[1] & 0xfff0) === 0x20) return true; // ORCHID
  }
  if (g[0] === 0x2002) return isForbiddenV4(v4At(1)); // 6to4
  if (g[0] === 0x3fff && g[1] < 0x1000) return true; // documentation 3fff::/20
  return false;
}

/** Strict dotted decimal (no leading zeros) to a 32-bit number. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** RFC 4291 §2.2 text (optionally ending in dotted IPv4) to 8 groups. */
function parseIPv6(text: string): Uint16Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups: number[][] = [];
  for (let h = 0; h < halves.length; h++) {
    const out: number[] = [];
    groups.push(out);
    if (halves[h] === "") continue;
    const parts = halves[h].split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && part.includes(".")) {
        const v4 = parseIPv4(part);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (V6_GROUP.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
  }
  const result = new Uint16Array(8);
  if (halves.length === 1) {
    if (groups[0].length !== 8) return undefined;
    result.set(groups[0]);
  } else {
    const [head, tail] = groups;
    if (head.length + tail.length > 7) return undefined;
    result.set(head);
    result.set(tail, 8 - tail.length);
  }
  return result;
}

/** The address of an IP-literal `URL.hostname`, or `undefined` for a name. */
function ipLiteral(hostname: string): string | undefined {
  if (hostname.startsWith("[")) return hostname;
  // An http(s) host ending in a number was parsed as IPv4 by the URL parser
  // and is in dotted-decimal form (anything else is refused: fail closed).
  const labels = hostname.split(".");
  if (labels.length > 1 && labels.at(-1) === "") labels.pop();
  const last = labels.at(-1)!;
  return /^(0[xX][0-9a-fA-F]*|[0-9]+)$/.test(last) ? hostname : undefined;
}

/** A hostname as `URL.hostname` spells it. */
function normalizeHostname(host: string): string {
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Cannot allow host as 'host' must be a non-empty hostname: current value is ${host}`,
    );
  }
  const text = !host.startsWith("[") && host.split(":").length > 2
    ? `[${host}]`
    : host;
  let url: URL | undefined;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    url = undefined;
  }
  if (
    !url || url.pathname !== "/" || url.search !== "" || url.hash !== "" ||
    url.username !== "" || url.password !== ""
  ) {
    throw new TypeError(
      `Cannot allow host as 'host' must be a hostname: current value is ${host}`,
    );
  }
  return url.hostname;
}
