/**
 * A generated fixture site for the durable-crawl tests (see
 * `fixtures/durable-2000/README.md`): `pages` HTML pages linking to each
 * other, plus a few 404s, redirects and robots-disallowed URLs, served on
 * `http://127.0.0.1:PORT` by `serve` (`./serve.ts`). Everything is deterministic, and
 * the exact crawl it should produce is in {@linkcode GeneratedSite.expected}.
 *
 * Layout (page 0 is `/`, page `i > 0` is `/p/i`):
 *
 * - page `i` links to its tree children `3i+1`, `3i+2`, `3i+3` (so every page
 *   is reachable from `/`), to three pseudo-random pages, and once to the same
 *   random page again with a `#fragment` (a duplicate once normalized);
 * - `/missing/k` (404), linked from one page each;
 * - `/r/k`: a 301 to a page, linked from one page each (its result is the
 *   page's: status 200 with that `finalUrl`);
 * - `/private/k`: disallowed by `/robots.txt`, linked from one page each
 *   (reported as `skipped:robots`, never requested).
 *
 * @module
 */
import assert from "node:assert/strict";
import { delay } from "../../src/concurrency/clock.ts";
import { html, serve } from "./serve.ts";

/** Options of {@linkcode serveGeneratedSite}. */
export interface GeneratedSiteOptions {
  /** HTML pages that answer 200, `/` included. @default {2000} */
  pages?: number;
  /** `/missing/k` links that answer 404. @default {10} */
  missing?: number;
  /** `/r/k` links that answer 301 to a page. @default {10} */
  redirects?: number;
  /** `/private/k` links disallowed by robots.txt. @default {10} */
  disallowed?: number;
  /** Milliseconds each page waits before answering. @default {0} */
  delayMs?: number;
}

/** What the crawl of a generated site must produce for one URL. */
export type Outcome = number | "skipped:robots";

/** A running generated site. */
export interface GeneratedSite extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The seed: `origin + "/"`. */
  readonly seed: string;
  /**
   * Every URL the crawl from {@linkcode seed} must yield a result for, with
   * its outcome (final HTTP status, or `"skipped:robots"`), and nothing else.
   */
  readonly expected: ReadonlyMap<string, Outcome>;
  /** Where each redirect `/r/k` leads (absolute URLs). */
  readonly redirectTargets: ReadonlyMap<string, string>;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  /** Every request (but `/robots.txt`'s), in order, with its headers. */
  readonly requests: { path: string; headers: Headers }[];
  /**
   * The links of the page at `url` (absolute, without fragments, in
   * document order; repeats kept), or `[]` when it is not a page.
   */
  linksOf(url: string): string[];
  /** Requests for anything but `/robots.txt`. */
  readonly pageRequests: number;
  /** Page requests waiting now because of {@linkcode holdAfter}. */
  readonly held: number;
  /**
   * Answers `n` more page requests, then holds every later one (no answer)
   * until {@linkcode release} or the site closes (a held request whose
   * client is gone stays held too).
   */
  holdAfter(n: number): void;
  /** Answers the held requests and stops holding. */
  release(): void;
  /** Shuts the server down. */
  close(): Promise<void>;
}

/** The path of page `i`. */
export function pagePath(i: number): string {
  return i === 0 ? "/" : `/p/${i}`;
}

/** A small deterministic PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Layout {
  pages: number;
  /** Extra links per page index (paths). */
  extra: Map<number, string[]>;
  /** Redirect path → target path. */
  redirects: Map<string, string>;
  missing: string[];
  disallowed: string[];
}

function layout(options: GeneratedSiteOptions): Layout {
  const pages = options.pages ?? 2000;
  if (!Number.isInteger(pages) || pages < 1) {
    throw new RangeError(
      `Cannot serve a generated site as 'pages' must be a positive integer: current value is ${pages}`,
    );
  }
  const extra = new Map<number, string[]>();
  const add = (page: number, path: string) => {
    const list = extra.get(page) ?? [];
    list.push(path);
    extra.set(page, list);
  };
  const linker = (k: number, salt: number) => (k * 97 + salt) % pages;
  const missing: string[] = [];
  for (let k = 0; k < (options.missing ?? 10); k++) {
    missing.push(`/missing/${k}`);
    add(linker(k, 5), `/missing/${k}`);
  }
  const redirects = new Map<string, string>();
  for (let k = 0; k < (options.redirects ?? 10); k++) {
    redirects.set(`/r/${k}`, pagePath((k * 31 + 11) % pages));
    add(linker(k, 13), `/r/${k}`);
  }
  const disallowed: string[] = [];
  for (let k = 0; k < (options.disallowed ?? 10); k++) {
    disallowed.push(`/private/${k}`);
    add(linker(k, 29), `/private/${k}`);
  }
  return { pages, extra, redirects, missing, disallowed };
}

function pageLinks(i: number, site: Layout): string[] {
  const random = mulberry32(i + 1);
  const links: string[] = [];
  for (let c = 3 * i + 1; c <= 3 * i + 3 && c < site.pages; c++) {
    links.push(pagePath(c));
  }
  let again = "";
  for (let n = 0; n < 3; n++) {
    again = pagePath(Math.floor(random() * site.pages));
    links.push(again);
  }
  links.push(`${again}#again`);
  links.push(...site.extra.get(i) ?? []);
  return links;
}

function pageHtml(i: number, site: Layout): string {
  const links = pageLinks(i, site);
  return `<!doctype html><html><head><title>Page ${i}</title></head><body>` +
    `<h1>Page ${i}</h1><ul>` +
    links.map((l) => `<li><a href="${l}">${l}</a></li>`).join("") +
    `</ul></body></html>`;
}

/**
 * Serves a generated site on `127.0.0.1` (a free port).
 *
 * @param options Its size and speed.
 * @returns The running site; dispose of it.
 */
export function serveGeneratedSite(
  options: GeneratedSiteOptions = {},
): GeneratedSite {
  const site = layout(options);
  const delayMs = options.delayMs ?? 0;
  const hits = new Map<string, number>();
  const requests: { path: string; headers: Headers }[] = [];
  let pageRequests = 0;
  let allowance = Infinity;
  let held = 0;
  let gate = Promise.withResolvers<void>();
  const release = () => {
    allowance = Infinity;
    gate.resolve();
    gate = Promise.withResolvers<void>();
  };
  const wait = async () => {
    held++;
    try {
      await gate.promise;
    } finally {
      held--;
    }
  };
  const server = serve(
    async (req, url) => {
      const path = url.pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === "/robots.txt") {
        return new Response("User-agent: *\nDisallow: /private/\n", {
          headers: { "content-type": "text/plain" },
        });
      }
      pageRequests++;
      requests.push({ path, headers: req.headers });
      if (allowance <= 0) await wait();
      else allowance--;
      if (delayMs > 0) await delay(delayMs);
      const target = site.redirects.get(path);
      if (target !== undefined) {
        return new Response(null, {
          status: 301,
          headers: { location: target },
        });
      }
      const i = path === "/" ? 0 : /^\/p\/(\d+)$/.exec(path)?.[1];
      const n = typeof i === "string" ? Number(i) : i;
      if (n === undefined || n >= site.pages || pagePath(n) !== path) {
        return html("<!doctype html><title>Not found</title>", {
          status: 404,
        });
      }
      return html(pageHtml(n, site));
    },
  );
  const origin = server.origin;
  const expected = new Map<string, Outcome>();
  for (let i = 0; i < site.pages; i++) expected.set(origin + pagePath(i), 200);
  for (const path of site.missing) expected.set(origin + path, 404);
  for (const path of site.redirects.keys()) expected.set(origin + path, 200);
  for (const path of site.disallowed) {
    expected.set(origin + path, "skipped:robots");
  }
  const redirectTargets = new Map(
    [...site.redirects].map(([from, to]) => [origin + from, origin + to]),
  );
  let closed: Promise<void> | undefined;
  const close = () => {
    release();
    return closed ??= Promise.resolve(server[Symbol.asyncDispose]());
  };
  return {
    origin,
    seed: `${origin}/`,
    expected,
    redirectTargets,
    hits,
    requests,
    linksOf(url: string): string[] {
      const path = url.startsWith(origin) ? url.slice(origin.length) : "";
      const i = path === "/" ? 0 : Number(/^\/p\/(\d+)$/.exec(path)?.[1]);
      if (!(i >= 0 && i < site.pages) || pagePath(i) !== path) return [];
      return pageLinks(i, site).map((l) => origin + l.replace(/#.*/, ""));
    },
    get pageRequests() {
      return pageRequests;
    },
    get held() {
      return held;
    },
    holdAfter(n: number) {
      allowance = n;
    },
    release,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The seed of a kill test: `TRAWL_KILL_SEED` when set (to replay a run),
 * else a random one; printed so that a failing run can be replayed.
 *
 * @param name The test's name in the printed line.
 * @returns The seed.
 */
export function killTestSeed(name: string): number {
  const fromEnv = Deno.env.get("TRAWL_KILL_SEED");
  const seed = fromEnv !== undefined && fromEnv !== ""
    ? Number(fromEnv)
    : crypto.getRandomValues(new Uint32Array(1))[0];
  assert.ok(Number.isInteger(seed), `bad TRAWL_KILL_SEED: ${fromEnv}`);
  console.log(`${name} seed: ${seed} (replay with TRAWL_KILL_SEED=${seed})`);
  return seed;
}
