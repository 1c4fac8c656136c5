// The fetcher on a FakeClock with an injected fetch: exact timeouts,
// redirects checked hop by hop, retries, Retry-After and credentials.
import assert from "node:assert/strict";
import { type FetcherConfig, fetchUrl } from "../../src/fetch/fetcher.ts";
import { FakeClock } from "../../src/testing.ts";

type FakeFetch = (url: URL, init: RequestInit) => Promise<Response>;

function config(
  fetch: FakeFetch,
  clock: FakeClock,
  extra: Partial<FetcherConfig> = {},
): FetcherConfig {
  return {
    fetch: fetch as typeof globalThis.fetch,
    clock,
    userAgent: "trawl-test",
    headers: {},
    trustedOrigins: new Set(["http://seed.test"]),
    timeoutMs: 1000,
    idleTimeoutMs: 300,
    maxRedirects: 3,
    maxBodyBytes: 1024,
    retries: 0,
    backoff: { baseMs: 100, maxMs: 5000 },
    ...extra,
  };
}

/** A fetch whose body is fed by the test, honouring the request's signal. */
function streaming(): {
  fetch: FakeFetch;
  push(text: string): void;
  end(): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const fetch: FakeFetch = (_url, init) => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        init.signal!.addEventListener(
          "abort",
          () => c.error(init.signal!.reason),
        );
      },
    });
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/html" } }),
    );
  };
  return {
    fetch,
    push: (t) => controller.enqueue(new TextEncoder().encode(t)),
    end: () => controller.close(),
  };
}

const never: FakeFetch = (_url, init) =>
  new Promise((_, reject) => {
    const signal = init.signal!;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });

Deno.test("fetchUrl() fails with an IdleTimeoutError when no headers arrive within idleTimeoutMs", async () => {
  const clock = new FakeClock();
  const p = fetchUrl(
    "http://seed.test/",
    config(never, clock),
    { signal: new AbortController().signal },
  );
  await clock.tick(299);
  let settled = false;
  p.then(() => settled = true);
  await clock.tick(0);
  assert.equal(settled, false);
  await clock.tick(1);
  const out = await p;
  assert.equal(out.error?.name, "IdleTimeoutError");
  assert.equal(out.status, 0);
  assert.equal(clock.pending, 0, "no timer left behind");
});

Deno.test("fetchUrl() fails with a RequestTimeoutError at timeoutMs exactly when a body drips faster than the idle limit", async () => {
  const clock = new FakeClock();
  const s = streaming();
  const p = fetchUrl(
    "http://seed.test/",
    config(s.fetch, clock),
    { signal: new AbortController().signal },
  );
  for (let t = 0; t < 900; t += 100) {
    await clock.tick(100);
    s.push("<p>");
  }
  await clock.tick(99); // t = 999
  let done = false;
  p.then(() => done = true);
  await clock.tick(0);
  assert.equal(done, false);
  await clock.tick(1); // t = 1000
  const out = await p;
  assert.equal(out.error?.name, "RequestTimeoutError");
  assert.equal(clock.now(), 1000);
});

Deno.test("fetchUrl() cuts a body off idleTimeoutMs after its last byte when it stops", async () => {
  const clock = new FakeClock();
  const s = streaming();
  const p = fetchUrl(
    "http://seed.test/",
    config(s.fetch, clock),
    { signal: new AbortController().signal },
  );
  await clock.tick(200);
  s.push("<p>some");
  await clock.tick(299);
  s.push("more");
  await clock.tick(299);
  let done = false;
  p.then(() => done = true);
  await clock.tick(0);
  assert.equal(done, false, "each chunk re-arms the idle limit");
  await clock.tick(1);
  const out = await p;
  assert.equal(out.error?.name, "IdleTimeoutError");
  assert.equal(clock.now(), 799);
});

Deno.test("fetchUrl() returns a complete body within the limits and leaves no timer", async () => {
  const clock = new FakeClock();
  const s = streaming();
  const p = fetchUrl(
    "http://seed.test/",
    config(s.fetch, clock),
    { signal: new AbortController().signal },
  );
  await clock.tick(10);
  s.push("<title>x</title>");
  s.end();
  const out = await p;
  assert.equal(out.status, 200);
  assert.equal(new TextDecoder().decode(out.body), "<title>x</title>");
  assert.equal(out.error, undefined);
  await clock.tick(0);
  assert.equal(clock.pending, 0);
});

function redirects(
  map: Record<string, string>,
): FakeFetch & { seen: { url: string; headers: Headers }[] } {
  const seen: { url: string; headers: Headers }[] = [];
  const f = (url: URL, init: RequestInit) => {
    seen.push({ url: url.href, headers: new Headers(init.headers) });
    const to = map[url.href];
    if (to !== undefined) {
      return Promise.resolve(
        new Response(null, { status: 301, headers: { location: to } }),
      );
    }
    return Promise.resolve(
      new Response("<p>end</p>", { headers: { "content-type": "text/html" } }),
    );
  };
  return Object.assign(f, { seen });
}

Deno.test("fetchUrl() reports redirect loops, long chains, bad schemes and bad locations as RedirectErrors", async () => {
  const clock = new FakeClock();
  const signal = new AbortController().signal;
  const cases: [Record<string, string>, string][] = [
    [{ "http://seed.test/": "/a", "http://seed.test/a": "/" }, "loop"],
    [{
      "http://seed.test/": "/1",
      "http://seed.test/1": "/2",
      "http://seed.test/2": "/3",
      "http://seed.test/3": "/4",
    }, "too-many"],
    [{ "http://seed.test/": "file:///etc/passwd" }, "scheme"],
    [{ "http://seed.test/": "javascript:alert(1)" }, "scheme"],
    [{ "http://seed.test/": "http://[bad" }, "bad-location"],
  ];
  for (const [map, problem] of cases) {
    const out = await fetchUrl(
      "http://seed.test/",
      config(redirects(map), clock),
      { signal },
    );
    assert.equal(out.error?.name, "RedirectError", problem);
    assert.equal(
      (out.error as unknown as { problem: string }).problem,
      problem,
    );
  }
  // Three hops are allowed with maxRedirects 3.
  const ok = await fetchUrl(
    "http://seed.test/",
    config(
      redirects({
        "http://seed.test/": "/1",
        "http://seed.test/1": "/2",
        "http://seed.test/2": "/3",
      }),
      clock,
    ),
    { signal },
  );
  assert.equal(ok.status, 200);
  assert.equal(ok.finalUrl, "http://seed.test/3");
});

Deno.test("fetchUrl() does not request a redirect hop that admit() refuses", async () => {
  const clock = new FakeClock();
  const f = redirects({ "http://seed.test/": "http://other.test/x" });
  const out = await fetchUrl(
    "http://seed.test/",
    config(f, clock, {
      admit: (url) =>
        Promise.resolve(url.host === "other.test" ? "out-of-scope" : undefined),
    }),
    { signal: new AbortController().signal },
  );
  assert.equal(out.skipped, "out-of-scope");
  assert.equal(out.status, 301);
  assert.deepEqual(f.seen.map((s) => s.url), ["http://seed.test/"]);
});

Deno.test("fetchUrl() drops credentials when a redirect leads to another origin", async () => {
  const clock = new FakeClock();
  const f = redirects({ "http://seed.test/": "http://other.test/x" });
  await fetchUrl(
    "http://seed.test/",
    config(f, clock, {
      headers: { Authorization: "Bearer s", Cookie: "c=1", "X-Keep": "1" },
    }),
    { signal: new AbortController().signal },
  );
  assert.equal(f.seen[0].headers.get("authorization"), "Bearer s");
  assert.equal(f.seen[1].url, "http://other.test/x");
  assert.equal(f.seen[1].headers.get("authorization"), null);
  assert.equal(f.seen[1].headers.get("cookie"), null);
  assert.equal(f.seen[1].headers.get("x-keep"), "1");
});

Deno.test("fetchUrl() retries 5xx with back-off and honours Retry-After up to backoff.maxMs", async () => {
  const clock = new FakeClock();
  let calls = 0;
  const throttles: number[] = [];
  const f: FakeFetch = () => {
    calls++;
    if (calls === 1) {
      return Promise.resolve(
        new Response("busy", { status: 429, headers: { "retry-after": "2" } }),
      );
    }
    if (calls === 2) {
      return Promise.resolve(
        new Response("oops", {
          status: 503,
          headers: { "retry-after": "3600" },
        }),
      );
    }
    return Promise.resolve(
      new Response("<p>ok</p>", { headers: { "content-type": "text/html" } }),
    );
  };
  const p = fetchUrl(
    "http://seed.test/",
    config(f, clock, {
      retries: 2,
      events: { onThrottle: (_h, ms) => throttles.push(ms) },
    }),
    { signal: new AbortController().signal },
  );
  await clock.tick(1999);
  assert.equal(calls, 1, "waits the full Retry-After");
  await clock.tick(1);
  assert.equal(calls, 2);
  await clock.tick(5000); // Retry-After 3600 s is capped at backoff.maxMs
  const out = await p;
  assert.equal(calls, 3);
  assert.equal(out.status, 200);
  assert.equal(out.attempts, 3);
  assert.deepEqual(throttles, [2000, 5000]);
});

Deno.test("fetchUrl() rejects with the signal's reason when cancelled", async () => {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const p = fetchUrl("http://seed.test/", config(never, clock), {
    signal: ctl.signal,
  });
  const reason = new Error("stop");
  ctl.abort(reason);
  await assert.rejects(p, (e) => e === reason);
  await clock.tick(0);
  assert.equal(clock.pending, 0);
});

Deno.test("fetchUrl() reads a small declared body in one call and fails with an IdleTimeoutError when it stalls", async () => {
  const clock = new FakeClock();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const declared = (_url: URL, init: RequestInit) => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        init.signal!.addEventListener(
          "abort",
          () => c.error(init.signal!.reason),
        );
      },
    });
    return Promise.resolve(
      new Response(body, {
        headers: { "content-type": "text/html", "content-length": "10" },
      }),
    );
  };
  const p = fetchUrl(
    "http://seed.test/",
    config(declared, clock),
    { signal: new AbortController().signal },
  );
  await clock.tick(100);
  controller.enqueue(new TextEncoder().encode("<p>")); // 3 of 10 bytes, then nothing
  await clock.tick(199);
  let done = false;
  p.then(() => done = true);
  await clock.tick(0);
  assert.equal(done, false);
  await clock.tick(1); // 300 ms after the headers
  const out = await p;
  assert.equal(out.error?.name, "IdleTimeoutError");

  const whole = (_url: URL) =>
    Promise.resolve(
      new Response("<p>0123456</p>", {
        headers: { "content-type": "text/html", "content-length": "14" },
      }),
    );
  const ok = await fetchUrl(
    "http://seed.test/",
    config(whole, clock),
    { signal: new AbortController().signal },
  );
  assert.equal(ok.status, 200);
  assert.equal(new TextDecoder().decode(ok.body), "<p>0123456</p>");
  assert.equal(ok.body!.byteOffset, 0);
  assert.equal(
    ok.body!.byteLength,
    ok.body!.buffer.byteLength,
    "an exact buffer, transferable as is",
  );
});

/** A fetch that answers each URL from a list of responses, the last repeating. */
function scripted(
  answers: Record<string, (() => Response)[]>,
): FakeFetch & { seen: string[] } {
  const seen: string[] = [];
  const hits = new Map<string, number>();
  const f = (url: URL) => {
    seen.push(url.href);
    const n = hits.get(url.href) ?? 0;
    hits.set(url.href, n + 1);
    const list = answers[url.href];
    return Promise.resolve(list[Math.min(n, list.length - 1)]());
  };
  return Object.assign(f, { seen });
}

const page = () =>
  new Response("<p>ok</p>", { headers: { "content-type": "text/html" } });

Deno.test("fetchUrl() admits each redirect target once when the chain is retried", async () => {
  const clock = new FakeClock();
  const f = scripted({
    "http://seed.test/": [
      () => new Response(null, { status: 301, headers: { location: "/a" } }),
    ],
    "http://seed.test/a": [() => new Response("busy", { status: 503 }), page],
  });
  const admitted: [string, number][] = [];
  const p = fetchUrl(
    "http://seed.test/",
    config(f, clock, {
      retries: 1,
      admit: (url, hop) => {
        admitted.push([url.href, hop]);
        return Promise.resolve(undefined);
      },
    }),
    { signal: new AbortController().signal },
  );
  await clock.tick(5000);
  const out = await p;
  assert.equal(out.status, 200);
  assert.equal(out.attempts, 2);
  assert.deepEqual(f.seen, [
    "http://seed.test/",
    "http://seed.test/a",
    "http://seed.test/",
    "http://seed.test/a",
  ]);
  // The URL asked for was admitted by the caller; the hop once, not per attempt.
  assert.deepEqual(admitted, [["http://seed.test/a", 1]]);
});

Deno.test("fetchUrl() asks admit() before each attempt until it passes when the URL was not admitted", async () => {
  const clock = new FakeClock();
  const f = scripted({ "http://seed.test/": [page] });
  let asked = 0;
  const p = fetchUrl(
    "http://seed.test/",
    config(f, clock, {
      retries: 2,
      admit: (_url, hop) => {
        assert.equal(hop, 0);
        asked++;
        return asked === 1
          ? Promise.reject(new Error("no address for seed.test"))
          : Promise.resolve(undefined);
      },
    }),
    { signal: new AbortController().signal, admitted: false },
  );
  await clock.tick(5000);
  const out = await p;
  assert.equal(out.status, 200);
  assert.equal(out.attempts, 2, "a failed admission is a failed attempt");
  assert.equal(asked, 2);
  assert.deepEqual(f.seen, ["http://seed.test/"], "nothing sent unadmitted");
});
