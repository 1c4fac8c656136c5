/**
 * A small site whose pages can change, disappear and appear between crawls,
 * served as nginx serves static files: each page has an `ETag`
 * (`"mtime-size"` in hex) and a `Last-Modified`, and a conditional request
 * is answered `304 Not Modified` when its validators still match.
 *
 * @module
 */
import { serve, type TestServer } from "./serve.ts";

/** One answer the site gave. */
export interface Answer {
  /** The path asked for. */
  path: string;
  /** The status answered. */
  status: number;
  /** The request had `If-None-Match` or `If-Modified-Since`. */
  conditional: boolean;
}

interface Page {
  body: string;
  type: string;
  /** Modification time, whole seconds since the epoch. */
  mtime: number;
}

/** A site with changeable pages on a test server. */
export interface ConditionalSite extends AsyncDisposable {
  /** The server. */
  server: TestServer;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Every answer, in order. */
  answers: Answer[];
  /**
   * Creates or changes a page (a change moves its mtime on by a second).
   *
   * @param path The path.
   * @param body Its body; `{{origin}}` is replaced.
   * @param type Its content type.
   */
  put(path: string, body: string, type?: string): void;
  /**
   * Removes a page: it answers 404 from now on.
   *
   * @param path The path.
   */
  remove(path: string): void;
  /** Forgets the answers so far. */
  reset(): void;
}

/** The first mtime: 2024-01-01T00:00:00Z. */
const EPOCH = 1_704_067_200;

/**
 * Whether a request's validators still match `page`, as nginx's
 * not-modified filter decides: `If-Modified-Since` must equal the mtime
 * exactly and `If-None-Match` must list the ETag (weakly compared), each
 * when present.
 */
function notModified(req: Request, etag: string, page: Page): boolean {
  const since = req.headers.get("if-modified-since");
  const match = req.headers.get("if-none-match");
  if (since === null && match === null) return false;
  if (since !== null && Date.parse(since) !== page.mtime * 1000) return false;
  if (match !== null) {
    const weak = (t: string) => t.trim().replace(/^W\//, "");
    const listed = match.split(",").map(weak);
    if (!listed.includes("*") && !listed.includes(weak(etag))) return false;
  }
  return true;
}

/**
 * Starts the site.
 *
 * @example Usage
 * ```ts ignore
 * await using site = conditionalSite({ "/": "<a href='/a'>a</a>", "/a": "A" });
 * ```
 *
 * @param pages HTML pages by path (`/robots.txt` is served as text).
 * @returns The site.
 */
export function conditionalSite(
  pages: Record<string, string>,
): ConditionalSite {
  const site = new Map<string, Page>();
  const answers: Answer[] = [];
  const server = serve((req, url) => {
    const path = url.pathname;
    const conditional = req.headers.has("if-none-match") ||
      req.headers.has("if-modified-since");
    const page = site.get(path);
    if (page === undefined) {
      answers.push({ path, status: 404, conditional });
      return new Response("not found", { status: 404 });
    }
    const size = new TextEncoder().encode(page.body).length;
    const etag = `"${page.mtime.toString(16)}-${size.toString(16)}"`;
    const headers = {
      etag,
      "last-modified": new Date(page.mtime * 1000).toUTCString(),
    };
    if (notModified(req, etag, page)) {
      answers.push({ path, status: 304, conditional });
      return new Response(null, { status: 304, headers });
    }
    answers.push({ path, status: 200, conditional });
    return new Response(page.body, {
      headers: { ...headers, "content-type": page.type },
    });
  });
  const put = (path: string, body: string, type?: string) => {
    const before = site.get(path);
    site.set(path, {
      body: body.replaceAll("{{origin}}", server.origin),
      type: type ??
        (path.endsWith(".txt")
          ? "text/plain"
          : path.endsWith(".xml")
          ? "application/xml"
          : "text/html; charset=utf-8"),
      mtime: before ? before.mtime + 1 : EPOCH,
    });
  };
  for (const [path, body] of Object.entries(pages)) put(path, body);
  return {
    server,
    origin: server.origin,
    answers,
    put,
    remove: (path) => void site.delete(path),
    reset: () => void answers.splice(0),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
