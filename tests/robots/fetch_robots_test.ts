import assert from "node:assert/strict";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { serve } from "../_support/serve.ts";
import { fetchRobots, robotsHeaders } from "../../src/robots/fetch_robots.ts";
import { cache, text, UA } from "./_helpers.ts";

/** `fetchRobots` options with `fetch` and a fake clock. */
function robotsOptions(
  fetch: typeof globalThis.fetch,
  extra: { signal?: AbortSignal; onRequest?: () => void } = {},
) {
  return {
    fetch,
    headers: robotsHeaders(UA),
    clock: new FakeClock(),
    timeoutMs: 30_000,
    idleTimeoutMs: 10_000,
    maxBytes: 512_000,
    maxRedirects: 5,
    signal: extra.signal ?? new AbortController().signal,
    onRequest: extra.onRequest,
  };
}

Deno.test("fetchRobots() calls onRequest once per hop and classifies the last answer", async () => {
  let requests = 0;
  const outcome = await fetchRobots(
    "https://a.test",
    robotsOptions(
      (input) =>
        Promise.resolve(
          String(input).endsWith("/robots.txt")
            ? new Response(null, {
              status: 301,
              headers: { location: "/moved.txt" },
            })
            : text("User-agent: *\nDisallow: /x\n"),
        ),
      { onRequest: () => requests++ },
    ),
  );
  assert.equal(requests, 2);
  assert.deepEqual(outcome, {
    kind: "rules",
    status: 200,
    text: "User-agent: *\nDisallow: /x\n",
  });
});

Deno.test("fetchRobots() rejects with signal.reason and clears its timer when the signal aborts", async () => {
  const controller = new AbortController();
  const options = robotsOptions(
    (_input, init) =>
      new Promise((_resolve, reject) =>
        init!.signal!.addEventListener(
          "abort",
          () => reject(init!.signal!.reason),
        )
      ),
    { signal: controller.signal },
  );
  const pending = fetchRobots("https://a.test", options);
  await delay(0);
  assert.equal(options.clock.pending, 1);
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(pending, (err) => err === reason);
  assert.equal(options.clock.pending, 0);
});

Deno.test("RobotsCache.get() sends the user agent and extra headers but never credentials", async () => {
  await using s = serve(() => text(""));
  const c = cache({
    headers: {
      Authorization: "Basic eDp5",
      Cookie: "a=b",
      "Proxy-Authorization": "x",
      "User-Agent": "spoof",
      "X-Extra": "1",
    },
  });
  const p = await c.get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/x`), true); // empty body: allow all
  const h = s.log[0].headers;
  assert.equal(h.get("user-agent"), UA);
  assert.equal(h.get("x-extra"), "1");
  assert.equal(h.get("authorization"), null);
  assert.equal(h.get("cookie"), null);
  assert.equal(h.get("proxy-authorization"), null);
});

Deno.test("RobotsCache.get() follows 5 redirect hops and applies the rules to the origin", async () => {
  await using s = serve((_req, url) => {
    const m = /^\/hop(\d)$/.exec(url.pathname);
    if (url.pathname === "/robots.txt") {
      return Response.redirect(new URL("/hop1", url), 301);
    }
    if (m && Number(m[1]) < 5) {
      return Response.redirect(new URL(`/hop${Number(m[1]) + 1}`, url), 302);
    }
    if (url.pathname === "/hop5") {
      return text("User-agent: *\nDisallow: /private\n");
    }
    return text("", { status: 404 });
  });
  const checked: string[] = [];
  const c = cache({ checkUrl: (u) => void checked.push(u.pathname) });
  const p = await c.get(s.origin);
  assert.equal(p.origin, s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/private/x`), false);
  assert.deepEqual(checked, [
    "/robots.txt",
    "/hop1",
    "/hop2",
    "/hop3",
    "/hop4",
    "/hop5",
  ]);
});

Deno.test("RobotsCache.get() allows all when robots.txt takes a 6th redirect", async () => {
  await using s = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return Response.redirect(new URL("/hop1", url), 307);
    }
    const n = Number(url.pathname.slice(4));
    if (n < 6) return Response.redirect(new URL(`/hop${n + 1}`, url), 308);
    return text("User-agent: *\nDisallow: /\n");
  });
  const p = await cache().get(s.origin);
  assert.equal(p.outcome, "allow-all");
  assert.equal(p.error?.name, "RedirectError");
  assert.match(p.error!.message, /too-many/);
  assert.equal(s.log.length, 6, "no request past the limit");
  assert.equal(s.hits("/hop6"), 0);
  // maxRedirects: 0 refuses even one hop.
  assert.equal(
    (await cache({ maxRedirects: 0 }).get(s.origin)).outcome,
    "allow-all",
  );
  assert.equal(s.log.length, 7);
});

Deno.test("RobotsCache.get() allows all when robots.txt redirects in a loop", async () => {
  await using s = serve((_req, url) =>
    Response.redirect(
      new URL(url.pathname === "/robots.txt" ? "/a" : "/robots.txt", url),
      301,
    )
  );
  const p = await cache({ maxRedirects: 20 }).get(s.origin);
  assert.equal(p.outcome, "allow-all");
  assert.match(p.error!.message, /loop/);
  assert.equal(s.log.length, 2);
});

Deno.test("RobotsCache.get() disallows all when a redirect goes to file: or has a bad Location", async () => {
  for (
    const location of ["file:///etc/passwd", "http://[::1", "data:text/plain,x"]
  ) {
    await using s = serve(() =>
      new Response(null, { status: 302, headers: { location } })
    );
    const p = await cache().get(s.origin);
    assert.equal(p.outcome, "disallow-all", location);
    assert.equal(p.error?.name, "RedirectError");
    assert.equal(p.isAllowed(`${s.origin}/`), false);
    assert.equal(s.log.length, 1);
  }
  await using s = serve(() => new Response(null, { status: 302 })); // no Location
  assert.equal((await cache().get(s.origin)).outcome, "disallow-all");
});

Deno.test("RobotsCache.get() applies a cross-origin target's rules to the original origin", async () => {
  await using target = serve(() => text("User-agent: *\nDisallow: /shared\n"));
  await using s = serve(() =>
    Response.redirect(`${target.origin}/robots.txt`, 301)
  );
  const c = cache();
  const p = await c.get(`${s.origin}/x`);
  assert.equal(p.origin, s.origin);
  assert.equal(p.isAllowed(`${s.origin}/shared/1`), false);
  assert.equal(c.size, 1, "only the original origin is cached");
});

Deno.test("RobotsCache.get() disallows all when checkUrl refuses a hop", async () => {
  await using s = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? Response.redirect("http://169.254.169.254/latest/meta-data", 302)
      : text("")
  );
  const c = cache({
    checkUrl: (u) => {
      if (u.hostname === "169.254.169.254") throw new Error("private address");
    },
  });
  const p = await c.get(s.origin);
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.message, "private address");
  // An async refusal of the first URL works too, and nothing is requested.
  await using s2 = serve(() => text(""));
  const p2 = await cache({ checkUrl: () => Promise.reject("nope") }).get(
    s2.origin,
  );
  assert.equal(p2.outcome, "disallow-all");
  assert.equal(p2.error?.name, "FetchError");
  assert.equal(s2.log.length, 0);
});

Deno.test("RobotsCache.get() parses only the first maxBytes of a large robots.txt", async () => {
  const head = "User-agent: *\nDisallow: /early\n";
  const filler = ("# " + "x".repeat(97) + "\n").repeat(7000); // 700,000 bytes
  const body = head + filler + "Disallow: /secret\n";
  assert.ok(
    body.length > 700 * 1024 - 20_000 && body.indexOf("/secret") > 512_000,
  );
  await using s = serve(() => text(body));
  const p = await cache().get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/early`), false);
  assert.equal(p.isAllowed(`${s.origin}/secret`), true);
  // With a large enough cap the late rule counts.
  const all = await cache({ maxBytes: 1_000_000 }).get(s.origin);
  assert.equal(all.isAllowed(`${s.origin}/secret`), false);
});

Deno.test("RobotsCache.get() drops the partial last line when the body is cut", async () => {
  const body = "User-agent: *\nDisallow: /abcdef\n";
  await using s = serve(() => text(body));
  // Cut inside "/abcdef": a kept "Disallow: /abc" would block /abcx.
  const p = await cache({ maxBytes: body.indexOf("def") }).get(s.origin);
  assert.equal(p.isAllowed(`${s.origin}/abcx`), true);
  const whole = await cache({ maxBytes: body.length }).get(s.origin);
  assert.equal(whole.isAllowed(`${s.origin}/abcdef`), false);
  assert.equal(whole.isAllowed(`${s.origin}/abcx`), true);
});

Deno.test("RobotsCache.get() cuts a gzip bomb at maxBytes of decoded data", async () => {
  const rules = new TextEncoder().encode("User-agent: *\nDisallow: /bomb\n");
  const chunk = new Uint8Array(1 << 20); // zeros
  await using s = serve(() => {
    let i = 0;
    const plain = new ReadableStream<BufferSource>({
      pull(c) {
        if (i === 0) c.enqueue(rules);
        else if (i <= 50) c.enqueue(chunk); // ~50 MiB inflated
        else c.close();
        i++;
      },
    }, { highWaterMark: 0 });
    return new Response(plain.pipeThrough(new CompressionStream("gzip")), {
      headers: { "content-encoding": "gzip", "content-type": "text/plain" },
    });
  });
  // Count the decoded bytes the cache actually pulls out of the response.
  let decoded = 0;
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        decoded += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    return new Response(res.body!.pipeThrough(counter), res);
  };
  const p = await cache({ fetch: counting }).get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/bomb`), false);
  assert.equal(p.isAllowed(`${s.origin}/other`), true);
  assert.equal(s.hits("/robots.txt"), 1);
  assert.ok(
    decoded >= 512_000 && decoded < 4 * (1 << 20),
    `read ${decoded} decoded bytes of ~50 MiB`,
  );
});

Deno.test("RobotsCache.get() disallows all when the body stalls past idleTimeoutMs", async () => {
  const clock = new FakeClock();
  let cancelled = false;
  await using s = serve(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("User-agent: *\n"));
        },
        pull: () => new Promise(() => {}),
        cancel() {
          cancelled = true;
        },
      }),
    )
  );
  const c = cache({ clock, idleTimeoutMs: 10_000 });
  const pending = c.get(s.origin);
  // Wait (in real time) until the body is being read: two timers then.
  while (clock.pending < 2) await delay(5);
  await clock.tick(9_999);
  await clock.tick(1);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "IdleTimeoutError");
  assert.equal(p.retryAt, 10_000 + 300_000);
  assert.equal(clock.pending, 0, "every timer cleared");
  while (!cancelled) await delay(5); // the server saw the connection go
});

Deno.test("RobotsCache.get() disallows all when the request outlasts timeoutMs", async () => {
  const clock = new FakeClock();
  let seenAbort: unknown;
  const c = cache({
    clock,
    timeoutMs: 5000,
    fetch: (_input, init) =>
      new Promise((_resolve, reject) => {
        init!.signal!.addEventListener("abort", () => {
          seenAbort = init!.signal!.reason;
          reject(init!.signal!.reason);
        });
      }),
  });
  const pending = c.get("https://stub.test/");
  await clock.tick(4999);
  await clock.tick(1);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "RequestTimeoutError");
  assert.equal((seenAbort as Error).name, "RequestTimeoutError");
  assert.equal(clock.pending, 0);
});

Deno.test("RobotsCache.get() disallows all when the network fails", async () => {
  const c = cache({
    fetch: () =>
      Promise.reject(
        new TypeError("error sending request: connection refused"),
      ),
  });
  const p = await c.get("https://stub.test/a");
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "FetchError");
  assert.match(p.error!.message, /connection refused/);
  assert.equal(p.status, undefined);
});

Deno.test("RobotsCache.get() disallows all when a slow-drip body outlasts timeoutMs", async () => {
  const clock = new FakeClock();
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const c = cache({
    clock,
    timeoutMs: 30_000,
    idleTimeoutMs: 10_000,
    fetch: () => Promise.resolve(new Response(body)),
  });
  const pending = c.get("https://drip.test/");
  for (let t = 0; t < 25_000; t += 5_000) {
    await clock.tick(5_000);
    ctl.enqueue(new TextEncoder().encode("# drip\n"));
  }
  await clock.tick(5_000);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "RequestTimeoutError");
  assert.equal((cancelled as Error).name, "RequestTimeoutError");
  assert.equal(clock.pending, 0);
});

Deno.test("RobotsCache.get() disallows all when checkUrl hangs or fetch ignores its signal past timeoutMs", async () => {
  for (
    const hang of [
      { checkUrl: () => new Promise<void>(() => {}) },
      { fetch: () => new Promise<Response>(() => {}) },
    ]
  ) {
    const clock = new FakeClock();
    const c = cache({
      clock,
      timeoutMs: 1000,
      fetch: () => Promise.resolve(text("")),
      ...hang,
    });
    const pending = c.get("https://hang.test/");
    await clock.tick(1000);
    const p = await pending;
    assert.equal(p.outcome, "disallow-all");
    assert.equal(p.error?.name, "RequestTimeoutError");
    assert.equal(clock.pending, 0);
  }
});

Deno.test("RobotsCache.get() reads a robots.txt served with a UTF-8 byte order mark", async () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
  const rules = new TextEncoder().encode("User-agent: *\nDisallow: /x\n");
  await using s = serve(() => new Response(new Uint8Array([...bom, ...rules])));
  const p = await cache().get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/x`), false);
});
