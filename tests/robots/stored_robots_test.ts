import assert from "node:assert/strict";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import type { RobotsRecord, RobotsStore } from "../../src/frontier/store.ts";
import type { LogRecord } from "../../src/telemetry/log.ts";
import { cache, text } from "./_helpers.ts";

// --- store (persistence between runs) ---

const ORIGIN = "https://stub.test";
const RULES = "User-agent: *\nDisallow: /private\nCrawl-delay: 3\n" +
  "Sitemap: https://stub.test/sitemap.xml\n";

interface TestStore extends RobotsStore {
  loads: string[];
  saves: RobotsRecord[];
}

/**
 * A store whose `load` answers from `records`, newest save first (or from
 * `hooks.load`, when given).
 */
function memoryStore(
  records: RobotsRecord[] = [],
  hooks: {
    load?: (origin: string) => ReturnType<RobotsStore["load"]>;
    save?: (record: RobotsRecord) => ReturnType<RobotsStore["save"]>;
  } = {},
): TestStore {
  const loads: string[] = [];
  const saves: RobotsRecord[] = [];
  return {
    loads,
    saves,
    load(origin) {
      loads.push(origin);
      if (hooks.load) return hooks.load(origin);
      return records.find((r) => r.origin === origin);
    },
    save(record) {
      saves.push(record);
      records.unshift(record);
      return hooks.save?.(record);
    },
  };
}

/** A stub `fetch` that counts calls and answers with `respond()`. */
function stubFetch(respond: () => Response | Promise<Response>) {
  const f = Object.assign(
    (_input: string | URL | Request, _init?: RequestInit) => {
      f.calls++;
      return Promise.resolve(respond());
    },
    { calls: 0 },
  );
  return f;
}

/** Lets promise chains (an unawaited save's rejection) settle. */
const settle = () => delay(0);

Deno.test("RobotsCache.get() uses a fresh stored rules record without fetching", async () => {
  const clock = new FakeClock(5_000_000);
  let record: RobotsRecord | undefined = {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
    fetchedAt: Date.now() - 60_000,
  };
  const store = memoryStore([], { load: () => record });
  const f = stubFetch(() => text("User-agent: *\nDisallow: /\n"));
  const c = cache({ clock, fetch: f, store, ttlMs: 100_000 });
  const p = await c.get(`${ORIGIN}/a`);
  assert.equal(f.calls, 0);
  assert.deepEqual(store.loads, [ORIGIN]);
  assert.equal(p.outcome, "rules");
  assert.equal(p.status, 200);
  assert.equal(p.isAllowed(`${ORIGIN}/private/x`), false);
  assert.equal(p.isAllowed(`${ORIGIN}/public`), true);
  assert.equal(p.crawlDelay(), 3);
  assert.deepEqual(p.sitemaps, ["https://stub.test/sitemap.xml"]);
  assert.deepEqual(c.sitemaps(), ["https://stub.test/sitemap.xml"]);
  // fetchedAt maps the record's age onto the cache's clock.
  assert.ok(p.fetchedAt <= 5_000_000 - 60_000);
  assert.ok(p.fetchedAt > 5_000_000 - 100_000);
  assert.deepEqual(store.saves, [], "a loaded record is not saved again");
  assert.deepEqual(c.stats, {
    requests: 0,
    hits: 0,
    joined: 0,
    fetches: 0,
    loaded: 1,
  });
  // Cached for what is left of ttlMs (at most 40 s of the cache's clock).
  await clock.tick(30_000);
  assert.equal(await c.get(`${ORIGIN}/b`), p);
  assert.equal(store.loads.length, 1);
  await clock.tick(10_000);
  record = undefined;
  const p2 = await c.get(`${ORIGIN}/c`);
  assert.equal(store.loads.length, 2, "expired: the store is asked again");
  assert.equal(f.calls, 1);
  assert.equal(p2.isAllowed(`${ORIGIN}/public`), false);
  assert.equal(c.stats.hits, 1);
});

Deno.test("RobotsCache.get() fetches and saves again when the stored record is stale", async () => {
  const ttlMs = 86_400_000;
  const store = memoryStore([{
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: "User-agent: *\nDisallow: /old\n",
    fetchedAt: Date.now() - ttlMs - 1,
  }]);
  const f = stubFetch(() => text(RULES));
  const c = cache({ clock: new FakeClock(), fetch: f, store, ttlMs });
  const before = Date.now();
  const p = await c.get(`${ORIGIN}/a`);
  const after = Date.now();
  assert.equal(f.calls, 1);
  assert.equal(p.isAllowed(`${ORIGIN}/old`), true);
  assert.equal(p.isAllowed(`${ORIGIN}/private`), false);
  assert.equal(store.saves.length, 1);
  const { fetchedAt, ...rest } = store.saves[0];
  assert.deepEqual(rest, {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
  });
  assert.ok(fetchedAt >= before && fetchedAt <= after, "wall time");
  assert.equal(c.stats.loaded, 0);
  assert.equal(c.stats.fetches, 1);
});

Deno.test("RobotsCache.get() uses a fresh stored allow-all record", async () => {
  const store = memoryStore([{
    origin: ORIGIN,
    outcome: "allow-all",
    status: 404,
    fetchedAt: Date.now(),
  }]);
  const f = stubFetch(() => text("User-agent: *\nDisallow: /\n"));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const p = await c.get(`${ORIGIN}/a`);
  assert.equal(f.calls, 0);
  assert.equal(p.outcome, "allow-all");
  assert.equal(p.status, 404);
  assert.equal(p.rules, undefined);
  assert.equal(p.isAllowed(`${ORIGIN}/anything`), true);
  assert.deepEqual(p.sitemaps, []);
  assert.equal(c.stats.loaded, 1);
});

Deno.test("RobotsCache.get() saves rules and allow-all results after a fetch", async () => {
  let status = 200;
  const f = stubFetch(() => text(RULES, { status }));
  const store = memoryStore();
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const before = Date.now();
  await c.get("https://a.test/");
  status = 404;
  await c.get("https://b.test/");
  const after = Date.now();
  assert.deepEqual(store.loads, ["https://a.test", "https://b.test"]);
  assert.deepEqual(
    store.saves.map(({ fetchedAt: _, ...r }) => r),
    [
      { origin: "https://a.test", outcome: "rules", status: 200, text: RULES },
      { origin: "https://b.test", outcome: "allow-all", status: 404 },
    ],
  );
  for (const r of store.saves) {
    assert.ok(r.fetchedAt >= before && r.fetchedAt <= after);
  }
  // A saved record is a fresh one for the next run.
  const f2 = stubFetch(() => text("", { status: 500 }));
  const next = cache({ clock: new FakeClock(), fetch: f2, store });
  const p = await next.get("https://a.test/x");
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed("https://a.test/private"), false);
  assert.equal((await next.get("https://b.test/x")).outcome, "allow-all");
  assert.equal(f2.calls, 0);
  assert.equal(next.stats.loaded, 2);
});

Deno.test("RobotsCache.get() never saves unreachable results", async () => {
  const clock = new FakeClock();
  const cases: [string, () => Response | Promise<Response>][] = [
    ["https://e500.test", () => text("", { status: 500 })],
    ["https://e503.test", () => text("", { status: 503 })],
    ["https://e429.test", () => text("", { status: 429 })],
    ["https://down.test", () => Promise.reject(new TypeError("refused"))],
  ];
  for (const [origin, respond] of cases) {
    const store = memoryStore();
    const c = cache({ clock, fetch: stubFetch(respond), store });
    const p = await c.get(origin);
    assert.equal(p.outcome, "disallow-all", origin);
    assert.deepEqual(store.loads, [origin]);
    assert.deepEqual(store.saves, [], origin);
  }
  // Nor a stale good copy served while the origin is down.
  let up = true;
  const store = memoryStore([], { load: () => undefined });
  const c = cache({
    clock,
    ttlMs: 1000,
    store,
    fetch: stubFetch(() => up ? text(RULES) : text("", { status: 500 })),
  });
  await c.get(ORIGIN);
  assert.equal(store.saves.length, 1);
  up = false;
  store.saves.length = 0;
  await clock.tick(1000);
  const stale = await c.get(ORIGIN);
  assert.equal(stale.stale, true);
  assert.deepEqual(store.saves, []);
});

Deno.test("RobotsCache.get() keeps a loaded record as the good copy", async () => {
  const clock = new FakeClock();
  let record: RobotsRecord | undefined = {
    origin: ORIGIN,
    outcome: "rules",
    text: RULES,
    fetchedAt: Date.now(),
  };
  const store = memoryStore([], { load: () => record });
  const f = stubFetch(() => text("", { status: 500 }));
  const c = cache({ clock, fetch: f, store, ttlMs: 1000, staleMs: 10_000 });
  assert.equal((await c.get(ORIGIN)).status, undefined);
  record = undefined;
  await clock.tick(1000);
  const stale = await c.get(ORIGIN);
  assert.equal(f.calls, 1);
  assert.equal(stale.outcome, "rules");
  assert.equal(stale.stale, true);
  assert.equal(stale.isAllowed(`${ORIGIN}/private`), false);
});

Deno.test("RobotsCache.get() ignores malformed, foreign and future stored records", async () => {
  const now = Date.now();
  const bad: unknown[] = [
    {
      origin: "https://other.test",
      outcome: "rules",
      text: "",
      fetchedAt: now,
    },
    { origin: ORIGIN, outcome: "rules", fetchedAt: now }, // no text
    { origin: ORIGIN, outcome: "disallow-all", fetchedAt: now },
    { origin: ORIGIN, outcome: "allow-all", fetchedAt: "yesterday" },
    { origin: ORIGIN, outcome: "allow-all", status: 99, fetchedAt: now },
    { origin: ORIGIN, outcome: "allow-all", fetchedAt: now + 3_600_000 },
  ];
  for (const record of bad) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { load: () => record as RobotsRecord });
    const f = stubFetch(() => text("User-agent: *\nDisallow: /x\n"));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    const what = JSON.stringify(record);
    assert.equal(f.calls, 1, what);
    assert.equal(p.isAllowed(`${ORIGIN}/x`), false, what);
    assert.equal(c.stats.loaded, 0, what);
    assert.equal(store.saves.length, 1, what);
    assert.ok(
      logs.some((r) => r.message.startsWith("robots.txt store record")),
      what,
    );
  }
});

Deno.test("RobotsCache.get() fetches when the store's load throws or rejects", async () => {
  const failures: [string, () => ReturnType<RobotsStore["load"]>][] = [
    ["throws", () => {
      throw new Error("db locked");
    }],
    ["rejects", () => Promise.reject(new Error("db locked"))],
    ["rejects a non-error", () => Promise.reject("db locked")],
  ];
  for (const [how, load] of failures) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { load });
    const f = stubFetch(() => text(RULES));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    assert.equal(p.outcome, "rules", how);
    assert.equal(f.calls, 1, how);
    assert.equal(store.saves.length, 1, how);
    const warn = logs.find((r) => r.message === "robots.txt store load failed");
    assert.ok(warn, how);
    assert.equal(warn.level, "warn");
    assert.equal(warn.url, `${ORIGIN}/robots.txt`);
    assert.match(
      (warn.error as { message: string }).message,
      /db locked/,
      how,
    );
  }
});

Deno.test("RobotsCache.get() carries on when the store's save throws or rejects", async () => {
  const failures: [string, () => ReturnType<RobotsStore["save"]>][] = [
    ["throws", () => {
      throw new Error("disk full");
    }],
    ["rejects", () => Promise.reject(new Error("disk full"))],
  ];
  for (const [how, save] of failures) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { save });
    const f = stubFetch(() => text(RULES));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    assert.equal(p.outcome, "rules", how);
    assert.equal(p.isAllowed(`${ORIGIN}/private`), false, how);
    assert.equal(await c.get(`${ORIGIN}/b`), p, how);
    await settle();
    const warn = logs.find((r) => r.message === "robots.txt store save failed");
    assert.ok(warn, how);
    assert.equal(warn.level, "warn");
    assert.match((warn.error as { message: string }).message, /disk full/);
  }
});

Deno.test("RobotsCache.get() does not wait when the store's save is slow", async () => {
  let finish!: () => void;
  const store = memoryStore([], {
    save: () => new Promise<void>((r) => finish = r),
  });
  const c = cache({ fetch: stubFetch(() => text(RULES)), store });
  assert.equal((await c.get(ORIGIN)).outcome, "rules");
  assert.equal(store.saves.length, 1);
  finish();
});

Deno.test("RobotsCache.get() loads from the store once when callers race", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const record: RobotsRecord = {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
    fetchedAt: Date.now(),
  };
  const store = memoryStore([], { load: () => gate.then(() => record) });
  const f = stubFetch(() => text(""));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const all = Promise.all(
    Array.from({ length: 20 }, (_, i) => c.get(`${ORIGIN}/p${i}`)),
  );
  await settle();
  release();
  const policies = await all;
  assert.deepEqual(store.loads, [ORIGIN]);
  assert.equal(f.calls, 0);
  assert.ok(policies.every((p) => p === policies[0]));
  assert.equal(policies[0].isAllowed(`${ORIGIN}/private`), false);
  assert.deepEqual(c.stats, {
    requests: 0,
    hits: 0,
    joined: 19,
    fetches: 0,
    loaded: 1,
  });
});

Deno.test("RobotsCache.get() caches nothing when every caller aborts during a load", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const record: RobotsRecord = {
    origin: ORIGIN,
    outcome: "allow-all",
    fetchedAt: Date.now(),
  };
  let slow = true;
  const store = memoryStore([], {
    load: () => slow ? gate.then(() => record) : record,
  });
  const f = stubFetch(() => text(""));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const a1 = new AbortController();
  const a2 = new AbortController();
  const p1 = c.get(ORIGIN, { signal: a1.signal });
  const p2 = c.get(ORIGIN, { signal: a2.signal });
  await settle();
  a1.abort(new Error("one"));
  await assert.rejects(p1, /one/);
  a2.abort(new Error("two"));
  await assert.rejects(p2, /two/);
  release();
  await settle();
  assert.equal(c.size, 0);
  assert.equal(c.stats.loaded, 0);
  assert.equal(f.calls, 0);
  slow = false;
  assert.equal((await c.get(ORIGIN)).outcome, "allow-all");
  assert.deepEqual(store.loads, [ORIGIN, ORIGIN]);
  assert.equal(c.stats.loaded, 1);
  // clear() during a load rejects the waiters too.
  const c2 = cache({
    clock: new FakeClock(),
    fetch: f,
    store: memoryStore([], { load: () => new Promise(() => {}) }),
  });
  const p3 = c2.get(ORIGIN);
  await settle();
  c2.clear();
  await assert.rejects(p3, (err) => (err as Error).name === "AbortError");
  assert.equal(f.calls, 0);
});

Deno.test("RobotsCache() rejects a store without load and save", () => {
  assert.throws(
    () => cache({ store: {} as RobotsStore }),
    (err) =>
      err instanceof TypeError &&
      /'store' must have load and save methods/.test(err.message),
  );
  assert.throws(
    () => cache({ store: null as unknown as RobotsStore }),
    TypeError,
  );
});
