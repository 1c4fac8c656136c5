/**
 * A small site for the archive tests: every kind of response a crawl meets
 * (gzip and chunked bodies, redirects, a retried 503, a 404, non-HTML, a
 * body past the cap, identical payloads, a disallowed path) and page
 * requisites, with a log of what the server sent for each request.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { serve, type TestServer } from "../_support/serve.ts";

const enc = new TextEncoder();

/** What the server sent for one request. */
export interface Sent {
  path: string;
  status: number;
  /** The body as sent on the wire (gzip bytes for /gz). */
  wire: Uint8Array;
  /** The body a client reads (decoded). */
  body: Uint8Array;
}

/** A running archive test site. */
export interface ArchiveSite extends AsyncDisposable {
  server: TestServer;
  origin: string;
  /** Everything sent, in order. */
  sent: Sent[];
}

/** Bytes of the /big page (past a 100,000-byte cap). */
export const BIG = 150_000;

const PNG = (n: number) =>
  new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, n, n + 1]);

function page(title: string, body = ""): string {
  return `<!doctype html><title>${title}</title>${body}`;
}

/** Starts the site. */
export function serveArchiveSite(): ArchiveSite {
  const sent: Sent[] = [];
  let retried = false;
  const reply = (
    path: string,
    body: Uint8Array | string,
    init: ResponseInit & { gzip?: boolean; chunked?: boolean } = {},
  ): Response => {
    const bytes = typeof body === "string" ? enc.encode(body) : body;
    const wire = init.gzip ? gzipSync(bytes) : bytes;
    const status = init.status ?? 200;
    sent.push({ path, status, wire, body: bytes });
    const headers = new Headers(init.headers);
    if (init.gzip) headers.set("content-encoding", "gzip");
    let payload: BodyInit | null = wire as Uint8Array<ArrayBuffer>;
    if (init.chunked) {
      const half = Math.floor(wire.length / 2);
      payload = new ReadableStream({
        start(c) {
          c.enqueue(wire.slice(0, half));
          c.enqueue(wire.slice(half));
          c.close();
        },
      });
    }
    return new Response(payload, { status, headers });
  };
  const html = { "content-type": "text/html; charset=utf-8" };
  const server = serve((_req, url) => {
    const path = url.pathname + url.search;
    switch (url.pathname) {
      case "/robots.txt":
        return reply(path, "User-agent: *\nDisallow: /private/\n");
      case "/":
        return reply(
          path,
          page(
            "home",
            `<link rel=stylesheet href="/s.css"><link rel=icon href="/favicon.ico">
             <img src="/img.png" srcset="/img2.png 2x"><script src="/app.js"></script>
             <video poster="/poster.png"><source src="/clip.webm"></video>
             <a href="/gz">gz</a> <a href="/chunked">chunked</a> <a href="/r">r</a>
             <a href="/retry">retry</a> <a href="/missing">missing</a>
             <a href="/data.json">json</a> <a href="/big">big</a>
             <a href="/dup1">d1</a> <a href="/dup2">d2</a> <a href="/private/x">p</a>
             <a href="https://elsewhere.invalid/">out</a>`,
          ),
          { headers: html },
        );
      case "/gz":
        return reply(path, page("gz", "<p>" + "zipped ".repeat(300)), {
          headers: html,
          gzip: true,
        });
      case "/chunked":
        return reply(path, page("chunked", "<p>" + "chunk ".repeat(300)), {
          headers: html,
          chunked: true,
        });
      case "/r":
        return reply(path, "moved", {
          status: 301,
          headers: { location: "/landing" },
        });
      case "/landing":
        return reply(path, page("landing"), { headers: html });
      case "/retry":
        if (!retried) {
          retried = true;
          return reply(path, "busy", { status: 503, headers: html });
        }
        return reply(path, page("retried"), { headers: html });
      case "/data.json":
        return reply(path, '{"a":1}', {
          headers: { "content-type": "application/json" },
        });
      case "/big":
        return reply(path, page("big", "x".repeat(BIG)), { headers: html });
      case "/dup1":
      case "/dup2":
        return reply(path, page("same"), { headers: html });
      case "/s.css":
        return reply(
          path,
          `@import "more.css"; body { background: url(bg.png) }`,
          { headers: { "content-type": "text/css" } },
        );
      case "/more.css":
        return reply(path, `.x { background: url("/deep.png") }`, {
          headers: { "content-type": "text/css" },
          gzip: true,
        });
      case "/app.js":
        return reply(path, "console.log('hi');", {
          headers: { "content-type": "text/javascript" },
        });
      case "/img.png":
      case "/img2.png":
      case "/bg.png":
      case "/deep.png":
      case "/poster.png":
      case "/favicon.ico":
        return reply(path, PNG(url.pathname.length), {
          headers: { "content-type": "image/png" },
        });
      case "/clip.webm":
        return reply(path, new Uint8Array(2048).fill(7), {
          headers: { "content-type": "video/webm" },
        });
      default:
        return reply(path, "not here", { status: 404, headers: html });
    }
  });
  return {
    server,
    origin: server.origin,
    sent,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
