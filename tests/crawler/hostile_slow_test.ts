// The crawler against hostile servers on 127.0.0.1 (issue "Hostile web"),
// part 1: slow and stalled servers, huge bodies and compression bombs.
// Small real timeouts (idle 300 ms, total 2 s); every server is disposed.
import assert from "node:assert/strict";
import {
  bomb,
  drip,
  type Meter,
  rawServer,
  writeFiller,
  writeStream,
  zeros,
} from "../_support/hostile_server.ts";
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
} from "./_hostile.ts";

// ---------------------------------------------------------------- slow

Deno.test("Crawler.run() cuts off a 1 byte/s drip, a faster endless drip and a silent server by idleTimeoutMs and timeoutMs", async () => {
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    const ok = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n" +
      "content-length: 100000\r\nconnection: close\r\n\r\n";
    if (path === "/drip-1s") return await drip(c, ok, "<p>".repeat(100), 1000);
    if (path === "/drip-100ms") {
      return await drip(c, ok, "<p>".repeat(1000), 100);
    }
    if (path === "/silent") return await c.untilClosed();
    await c.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  });
  const { results } = await run(
    [
      `${srv.origin}/drip-1s`,
      `${srv.origin}/drip-100ms`,
      `${srv.origin}/silent`,
    ],
    { ...base, retries: 1, perHost: { concurrency: 3 }, respectRobots: false },
  );
  const map = byPath(results);
  const slow = get(map, "127.0.0.1/drip-1s");
  assert.equal(slow.error?.name, "IdleTimeoutError", JSON.stringify(slow));
  assert.equal(slow.status, 200);
  assert.equal(slow.attempts, 2, "retried once (retries: 1), then reported");
  const fast = get(map, "127.0.0.1/drip-100ms");
  assert.equal(fast.error?.name, "RequestTimeoutError", JSON.stringify(fast));
  assert.equal(fast.attempts, 2);
  // Two attempts of about 2 s each: the total deadline, not the idle one.
  assert.ok(fast.timings.total >= 2 * 2000 - 50, `${fast.timings.total}`);
  const silent = get(map, "127.0.0.1/silent");
  assert.equal(silent.status, 0);
  assert.equal(silent.error?.name, "IdleTimeoutError", JSON.stringify(silent));
  assert.equal(silent.attempts, 2);
  // Each attempt gave up after the idle limit, long before the drip ended.
  assert.ok(slow.timings.total >= 2 * 300 - 20 && slow.timings.total < 2000);
  await srv.settled();
  const drips = srv.connections.filter((c) => c.path === "/drip-1s");
  assert.equal(drips.length, 2);
  for (const c of drips) assert.ok(c.sent < 200, `sent ${c.sent}`);
  figure("slow", {
    drip1s: {
      ms: Math.round(slow.timings.total),
      sent: drips.map((c) => c.sent),
    },
    drip100ms: {
      ms: Math.round(fast.timings.total),
      sent: srv.connections.filter((c) => c.path === "/drip-100ms").map((c) =>
        c.sent
      ),
    },
    silent: { ms: Math.round(silent.timings.total) },
  });
});

Deno.test("Crawler.run() keeps other hosts at full speed when one host stalls", async () => {
  const FAST = 30;
  let fastServed = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  await using srv = serve(async (req, url) => {
    const host = url.hostname;
    if (url.pathname === "/robots.txt") return robots404();
    if (host === "localhost") {
      if (url.pathname === "/") {
        return html(
          Array.from({ length: FAST }, (_, i) => `<a href="/f${i}">f</a>`)
            .join(""),
        );
      }
      if (++fastServed === FAST) release();
      return html(`<title>${url.pathname}</title>`);
    }
    if (url.pathname === "/") {
      return html(
        Array.from({ length: 4 }, (_, i) => `<a href="/s${i}">s</a>`).join(""),
      );
    }
    // Stalled until every page of the other host was served (or the client
    // gives up): only a crawler that keeps the other host going sees a 200.
    const gone = stall(req);
    gone.catch(() => {});
    await Promise.race([released, gone]);
    return html("<title>late</title>");
  });
  const t0 = performance.now();
  const order: string[] = [];
  const { results } = await run([`${srv.origin}/`, `${srv.alt}/`], {
    ...base,
    idleTimeoutMs: 10_000,
    timeoutMs: 15_000,
    retries: 0,
    concurrency: 4,
    perHost: { concurrency: 2 },
  }, 30_000);
  for (const r of results) order.push(new URL(r.url).hostname);
  const map = byPath(results);
  assert.equal(results.length, 2 + FAST + 4);
  for (let i = 0; i < 4; i++) {
    assert.equal(get(map, `127.0.0.1/s${i}`).status, 200);
  }
  const lastFast = order.lastIndexOf("localhost");
  const firstStalled = results.findIndex((r) => /\/s\d$/.test(r.url));
  assert.ok(
    lastFast < firstStalled,
    "every page of the free host finished before the stalled host's pages",
  );
  const fastDone = performance.now() - t0;
  figure("stall-isolation", {
    fastPages: FAST,
    stalledPages: 4,
    msUntilFreeHostDone: Math.round(fastDone),
  });
});

// ---------------------------------------------------------------- huge

Deno.test("Crawler.run() stops a lazy 1 GiB body at the cap, with and without Content-Length, and hangs up", async () => {
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/robots.txt") {
      return await c.write(
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
      );
    }
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        (path === "/sized" ? `content-length: ${GiB}\r\n` : "") + "\r\n",
    );
    await writeFiller(c, GiB);
  });
  const { results } = await run(
    [`${srv.origin}/sized`, `${srv.origin}/unsized`],
    { ...base, retries: 2 },
  );
  const map = byPath(results);
  for (const path of ["/sized", "/unsized"]) {
    const r = get(map, `127.0.0.1${path}`);
    assert.equal(r.skipped, "too-large", JSON.stringify(r));
    // A declared length past the cap is refused before reading; without one
    // the body is read up to the cap exactly.
    assert.equal(r.bytes, path === "/sized" ? 0 : MiB);
    assert.equal(r.attempts, 1, "a too-large page is not retried");
    assert.equal(r.error, undefined);
  }
  await srv.settled();
  for (const path of ["/sized", "/unsized"]) {
    const conns = srv.connections.filter((c) => c.path === path);
    assert.equal(conns.length, 1);
    assert.ok(conns[0].peerClosed, `${path}: the server saw the hang-up`);
    assert.ok(conns[0].sent < 64 * MiB, `${path}: sent ${conns[0].sent}`);
    figure(`huge${path}`, { sent: conns[0].sent, result: "too-large" });
  }
});

Deno.test("Crawler.run() caps lazy gzip and brotli bombs of 1 GiB and a chunked 1 GiB body on decoded bytes", async () => {
  const meters = new Map<string, { sent: Meter; zeros: Meter }>();
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/robots.txt") {
      return await c.write(
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
      );
    }
    const m = {
      sent: { bytes: 0, cancelled: false },
      zeros: { bytes: 0, cancelled: false },
    };
    meters.set(path, m);
    const encoding = path === "/gzip"
      ? "gzip"
      : path === "/brotli"
      ? "br"
      : undefined;
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        "transfer-encoding: chunked\r\n" +
        (encoding ? `content-encoding: ${encoding}\r\n` : "") + "\r\n",
    );
    const body = path === "/gzip"
      ? bomb("gzip", GiB, m.sent, m.zeros)
      : path === "/brotli"
      ? bomb("brotli", GiB, m.sent, m.zeros)
      : zeros(GiB, m.zeros, 0x20);
    await writeStream(c, body, true);
  });
  const { results } = await run(
    [`${srv.origin}/gzip`, `${srv.origin}/brotli`, `${srv.origin}/chunked`],
    base,
  );
  const map = byPath(results);
  for (const path of ["/gzip", "/brotli", "/chunked"]) {
    const r = get(map, `127.0.0.1${path}`);
    assert.equal(r.skipped, "too-large", `${path}: ${JSON.stringify(r)}`);
    assert.equal(r.bytes, MiB, `${path}: counted on decoded bytes`);
    assert.equal(r.attempts, 1);
  }
  await srv.settled();
  for (const [path, m] of meters) {
    if (path === "/robots.txt") continue;
    const conn = srv.connections.find((c) => c.path === path)!;
    assert.ok(
      conn.peerClosed,
      `${path}: the server saw the connection closed early`,
    );
    assert.ok(
      m.zeros.bytes < 256 * MiB,
      `${path}: generated ${m.zeros.bytes} of ${GiB} decoded bytes`,
    );
    figure(`bomb${path}`, {
      sentBytes: conn.sent,
      decodedBytesGenerated: m.zeros.bytes,
      of: GiB,
    });
  }
});
