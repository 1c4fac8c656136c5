// The crawler against hostile servers on 127.0.0.1 (issue "Hostile web"),
// part 3: garbage of every kind, and a site where a third of the pages
// fail, checked for lost or duplicated URLs.
// Small real timeouts (idle 300 ms, total 2 s); every server is disposed.
import assert from "node:assert/strict";
import { bomb, rawServer, writeStream } from "../_support/hostile_server.ts";
import { html, serve, stall } from "../_support/serve.ts";
import {
  base,
  byPath,
  figure,
  get,
  GiB,
  MiB,
  robots404,
  run,
  verbose,
} from "./_hostile.ts";

// ---------------------------------------------------------------- garbage

Deno.test("Crawler.run() gives garbage of every kind a result and goes on", async () => {
  await using raw = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/truncated-chunked") {
      await c.write(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n" +
          "transfer-encoding: chunked\r\nconnection: close\r\n\r\n" +
          "20\r\n<a href='/after-trunc'>x</a>   \r\n" + "400\r\n<p>cut",
      );
      return;
    }
    if (path === "/bad-status") {
      return await c.write("HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n");
    }
    if (path === "/garbage") return await c.write("garbage\r\n\r\n");
    await c.write(
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
  });
  const enc = new TextEncoder();
  const cat = (...parts: (string | number[])[]) => {
    const chunks = parts.map((p) =>
      typeof p === "string" ? enc.encode(p) : new Uint8Array(p)
    );
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) out.set(c, (at += c.length) - c.length);
    return out;
  };
  const pages: Record<string, () => Response> = {
    "/malformed": () =>
      html(
        `<html><head><title>a<b</title ><body><table><td><a href="/after-malformed">x<p><div></b></i>` +
          `<a href=/after-unquoted>y</a><a href="javascript:void(0)">j</a><a href="http://[::1">bad</a>` +
          `<a href="` + "<".repeat(1000),
      ),
    "/nul": () =>
      html(
        cat(
          '<title>n\0ul</title>\0\0<a href="/after-nul\0">',
          [0, 0, 0],
          "</a>",
          [0],
        ),
      ),
    "/invalid-utf8": () =>
      html(
        cat(
          "<title>",
          [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80],
          '</title><a href="/after-utf8">x</a>',
        ),
      ),
    "/mislabeled": () =>
      new Response(
        // windows-1251 bytes, labelled utf-8 in the header and koi8-r in meta.
        cat(`<meta charset="koi8-r"><title>`, [
          0xcf,
          0xf0,
          0xe8,
          0xe2,
          0xe5,
          0xf2,
        ], `</title><a href="/after-mislabeled">x</a>`),
        { headers: { "content-type": "text/html; charset=utf-8" } },
      ),
    "/huge-attr": () =>
      html(
        `<div title="${"x".repeat(5 * MiB)}"></div><a href="/after-attr">x</a>`,
      ),
    "/huge-href": () =>
      html(
        `<a href="/${"h".repeat(5 * MiB)}">x</a><a href="/after-href">y</a>`,
      ),
    "/ct-empty-charset": () =>
      new Response(`<a href="/after-ct1">x</a>`, {
        headers: { "content-type": "text/html; charset=" },
      }),
    "/ct-semicolons": () =>
      new Response(`<a href="/after-ct2">x</a>`, {
        headers: { "content-type": ";;;" },
      }),
    "/ct-bogus-charset": () =>
      new Response(`<a href="/after-ct3">x</a>`, {
        headers: { "content-type": "text/html; charset=x-no-such-charset" },
      }),
    "/ce-gzip-plain": () =>
      html(`<a href="/after-ce1">plain, labelled gzip</a>`, {
        headers: { "content-encoding": "gzip" },
      }),
    "/ce-br-bogus": () =>
      html(`<a href="/after-ce2">plain, labelled br, x-bogus</a>`, {
        headers: { "content-encoding": "br, x-bogus" },
      }),
    "/binary-as-html": () =>
      html(new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff)),
  };
  const rawPaths = ["/truncated-chunked", "/bad-status", "/garbage"];
  const oks = ["/ok1", "/ok2", "/ok3"];
  await using srv = serve((_req, url) => {
    const p = url.pathname;
    if (p === "/robots.txt") return robots404();
    if (p === "/") {
      return html(
        [
          ...Object.keys(pages),
          ...rawPaths.map((r) => raw.origin + r),
          ...oks,
        ].map((h) => `<a href="${h}">l</a>`).join(""),
      );
    }
    const page = pages[p];
    if (page) return page();
    return html(`<title>${p}</title>`);
  });
  const { results } = await run([`${srv.origin}/`], {
    ...base,
    maxBodyBytes: 16 * MiB,
    retries: 1,
    // The 5 MB pages are parsed off the main thread, and the idle limit is
    // generous: a busy event loop must not turn a truncated body into an
    // idle timeout on a loaded machine.
    workers: 1,
    idleTimeoutMs: 2000,
  }, 30_000);
  const map = byPath(results);
  const summary: Record<string, string> = {};
  for (const p of [...Object.keys(pages), ...rawPaths, ...oks]) {
    const r = get(map, `127.0.0.1${p}`);
    assert.ok(
      r.status > 0 || r.error !== undefined || r.skipped !== undefined,
      `${p}: ${JSON.stringify(r)}`,
    );
    summary[p] = r.error
      ? `${r.error.name}: ${r.error.message.slice(0, 60)}`
      : r.skipped
      ? `skipped ${r.skipped}`
      : `${r.status} links=${r.links} title=${
        JSON.stringify(r.title?.slice(0, 20))
      }`;
  }
  for (const p of oks) assert.equal(get(map, `127.0.0.1${p}`).status, 200);
  // The parseable garbage still yields its links.
  for (
    const p of [
      "/after-malformed",
      "/after-unquoted",
      "/after-utf8",
      "/after-mislabeled",
      "/after-attr",
      "/after-href",
      "/after-ct1",
      "/after-ct2",
      "/after-ct3",
    ]
  ) {
    assert.equal(get(map, `127.0.0.1${p}`).status, 200, p);
  }
  for (const p of rawPaths) {
    assert.equal(get(map, `127.0.0.1${p}`).error?.name, "FetchError", p);
  }
  assert.equal(get(map, "127.0.0.1/ce-gzip-plain").error?.name, "FetchError");
  figure("garbage", summary);
});

// ---------------------------------------------------------------- nothing lost

Deno.test("Crawler.run() loses nothing when a third of a 60-page site fails: every reachable URL ends as exactly one result", async () => {
  const PAGES = 60;
  const kinds = ["stall", "drop", "500", "bomb", "bad-encoding"] as const;
  const kindOf = (i: number) =>
    i % 3 === 2 ? kinds[Math.floor(i / 3) % kinds.length] : "ok";
  // Connections dropped without an answer (robots.txt is a plain 404).
  await using raw = rawServer(async (c) => {
    const head = await c.readHead();
    if (head.startsWith("GET /robots.txt ")) {
      await c.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    }
  });
  await using bombs = rawServer(async (c) => {
    await c.readHead();
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        "content-encoding: gzip\r\n\r\n",
    );
    await writeStream(c, bomb("gzip", GiB));
  });
  const hrefOf = (i: number) =>
    kindOf(i) === "drop"
      ? `${raw.origin}/p${i}`
      : kindOf(i) === "bomb"
      ? `${bombs.origin}/p${i}`
      : `/p${i}`;
  /** Each good page links to two others; the index links to a few. */
  const linksOf = (
    i: number,
  ) => [(i + 1) % PAGES, (i * 7 + 3) % PAGES, (i * 13 + 5) % PAGES];
  await using srv = serve((req, url) => {
    const p = url.pathname;
    if (p === "/robots.txt") return robots404();
    if (p === "/") {
      return html(
        [0, 1, 2, 5].map((i) => `<a href="${hrefOf(i)}">x</a>`).join(""),
      );
    }
    const i = Number(p.slice(2));
    switch (kindOf(i)) {
      case "stall":
        return stall(req);
      case "500":
        return new Response("oops", { status: 500 });
      case "bad-encoding":
        return html("<p>not gzip at all</p>", {
          headers: { "content-encoding": "gzip" },
        });
      default:
        return html(
          `<title>p${i}</title>` +
            linksOf(i).map((j) => `<a href="${hrefOf(j)}">p${j}</a>`).join(""),
        );
    }
  });
  // Every URL reachable from the seed, when only good pages' links count.
  const reachable = new Set<string>([`${srv.origin}/`]);
  const todo = [0, 1, 2, 5];
  while (todo.length) {
    const i = todo.pop()!;
    const u = new URL(hrefOf(i), srv.origin).href;
    if (reachable.has(u)) continue;
    reachable.add(u);
    if (kindOf(i) === "ok") todo.push(...linksOf(i));
  }
  assert.ok(reachable.size >= 55, `reachable: ${reachable.size}`);
  for (const breaker of [false, true]) {
    const { results, crawler, ms } = await run([`${srv.origin}/`], {
      ...base,
      retries: 1,
      perHost: { concurrency: 4 },
      circuitBreaker: breaker && {
        failureThreshold: 10,
        windowMs: 10_000,
        cooldownMs: 200,
      },
    }, 30_000);
    const urls = results.map((r) => r.url);
    if (verbose) {
      for (const r of results) {
        console.log(r.url, r.status, r.error?.name ?? r.skipped ?? "");
      }
    }
    assert.equal(new Set(urls).size, urls.length, "no URL twice");
    // The URLs the crawl must have reached: the seed and every link of every
    // page it parsed (a page skipped by the circuit breaker is not parsed).
    const expected = new Set<string>([`${srv.origin}/`]);
    for (const r of results) {
      if (r.status !== 200 || r.error || r.skipped) continue;
      const path = new URL(r.url).pathname;
      const links = path === "/"
        ? [0, 1, 2, 5]
        : linksOf(Number(path.slice(2)));
      for (const j of links) expected.add(new URL(hrefOf(j), srv.origin).href);
    }
    assert.deepEqual(new Set(urls), expected, "no URL missing, none extra");
    if (!breaker) {
      assert.deepEqual(new Set(urls), reachable, "everything reachable");
    }
    const failing = results.filter((r) =>
      r.error || r.skipped || r.status >= 400
    );
    assert.ok(
      failing.length >= results.length / 4,
      `failing: ${failing.length}`,
    );
    const s = crawler.stats;
    assert.equal(s.accepted, results.length);
    assert.equal(s.done, results.length);
    assert.equal(s.queued, 0);
    assert.equal(s.inFlight, 0);
    assert.equal(s.errors, results.filter((r) => r.error).length);
    const skipped = Object.values(s.skipped).reduce((a, b) => a + (b ?? 0), 0);
    assert.equal(skipped, results.filter((r) => r.skipped).length);
    const statuses = Object.values(s.byStatusClass).reduce((a, b) => a + b, 0);
    assert.equal(statuses, results.filter((r) => r.status > 0).length);
    // Every result is a page, an error or a skip; those without a status are
    // errors or skips.
    assert.equal(
      results.filter((r) => r.status === 0 && !r.error && !r.skipped).length,
      0,
    );
    assert.equal(s.bytes, results.reduce((n, r) => n + r.bytes, 0));
    const tally: Record<string, number> = {};
    for (const r of results) {
      const k = r.error?.name ?? r.skipped ?? String(r.status);
      tally[k] = (tally[k] ?? 0) + 1;
    }
    figure(`nothing-lost breaker=${breaker}`, {
      results: results.length,
      ms: Math.round(ms),
      tally,
      stats: {
        errors: s.errors,
        skipped: s.skipped,
        byStatusClass: s.byStatusClass,
        retries: s.retries,
      },
    });
  }
});
