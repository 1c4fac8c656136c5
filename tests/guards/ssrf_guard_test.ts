import assert from "node:assert/strict";
import {
  defaultResolver,
  isForbiddenAddress,
  type Resolver,
  SsrfError,
  SsrfGuard,
  type SsrfGuardOptions,
} from "../../src/guards/ssrf_guard.ts";
import { FetchError } from "../../src/fetch/errors.ts";
import { FakeClock } from "../../src/testing.ts";

/** A resolver over a fixed table that counts its calls. */
function tableResolver(table: Record<string, string[]>): Resolver & {
  calls: string[];
} {
  const calls: string[] = [];
  const resolver = (host: string, signal?: AbortSignal) => {
    calls.push(host);
    signal?.throwIfAborted();
    const found = table[host];
    return found
      ? Promise.resolve([...found])
      : Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), {
        code: "ENOTFOUND",
      }));
  };
  return Object.assign(resolver, { calls });
}

const DNS = {
  "public.test": ["93.184.216.34"],
  "dual.test": ["93.184.216.34", "2606:4700::1"],
  "evil.test": ["127.0.0.2"],
  "meta.test": ["169.254.169.254"],
  "mixed.test": ["93.184.216.34", "10.0.0.1"],
  "mixed6.test": ["2606:4700::1", "fd00::1"],
  "mapped.test": ["::ffff:192.168.0.1"],
  "garbage.test": ["not-an-ip"],
  "empty.test": [],
};

function guardWith(
  options: Partial<SsrfGuardOptions> = {},
): { guard: SsrfGuard; resolver: ReturnType<typeof tableResolver> } {
  const resolver = tableResolver(DNS);
  return { guard: new SsrfGuard({ resolver, ...options }), resolver };
}

Deno.test("SsrfGuard.check() allows a name whose addresses are all public", async () => {
  const { guard } = guardWith();
  await guard.check(new URL("https://public.test/a"));
  await guard.check(new URL("http://dual.test:8080/b?c"));
  assert.equal(guard.stats.refused, 0);
});

Deno.test("SsrfGuard.check() refuses a name with any forbidden address", async () => {
  const { guard } = guardWith();
  for (
    const [host, address] of [
      ["evil.test", "127.0.0.2"],
      ["meta.test", "169.254.169.254"],
      ["mixed.test", "10.0.0.1"],
      ["mixed6.test", "fd00::1"],
      ["mapped.test", "::ffff:192.168.0.1"],
      ["garbage.test", "not-an-ip"],
    ]
  ) {
    const url = new URL(`https://${host}/latest/meta-data/`);
    await assert.rejects(guard.check(url), (err) => {
      assert.ok(err instanceof SsrfError);
      assert.equal(err.name, "SsrfError");
      assert.equal(err.url, url.href);
      assert.equal(err.hostname, host);
      assert.equal(err.address, address);
      assert.match(err.message, new RegExp(address.replaceAll(".", "\\.")));
      return true;
    });
  }
  assert.equal(guard.stats.refused, 6);
});

Deno.test("SsrfGuard.check() classifies IP literals without resolving them", async () => {
  const { guard, resolver } = guardWith();
  for (
    const href of [
      "http://127.0.0.1:8000/",
      "http://0x7f.1/",
      "http://2130706433/",
      "http://017700000001/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[fe80::1]/",
      "http://0/",
    ]
  ) {
    await assert.rejects(
      guard.check(new URL(href)),
      (err) => err instanceof SsrfError && err.address !== "",
      href,
    );
  }
  await guard.check(new URL("http://8.8.8.8/"));
  await guard.check(new URL("http://[2606:4700::1]:8443/"));
  await guard.check(new URL("http://134744072/"));
  assert.deepEqual(resolver.calls, []);
});

Deno.test("SsrfGuard.check() refuses non-http(s) URLs", async () => {
  const { guard, resolver } = guardWith();
  for (
    const href of [
      "file:///etc/passwd",
      "data:text/html,hi",
      "ftp://public.test/",
      "blob:https://public.test/x",
    ]
  ) {
    await assert.rejects(
      guard.check(new URL(href)),
      (err) => err instanceof SsrfError && err.address === "",
      href,
    );
  }
  assert.deepEqual(resolver.calls, []);
  await assert.rejects(
    guard.check("http://public.test/" as unknown as URL),
    TypeError,
  );
});

Deno.test("SsrfGuard.check() skips the hosts of allowHosts and addAllowedHost()", async () => {
  const { guard, resolver } = guardWith({
    allowHosts: ["127.0.0.1", "evil.test:8080", "::1", "LOCALHOST"],
  });
  await guard.check(new URL("http://127.0.0.1:8000/"));
  await guard.check(new URL("http://evil.test/"));
  await guard.check(new URL("http://[::1]:9000/"));
  await guard.check(new URL("http://localhost/"));
  await guard.check(new URL("http://0x7f.1/")); // the same host as 127.0.0.1
  assert.deepEqual(resolver.calls, []);
  // Other loopback addresses are still refused.
  await assert.rejects(guard.check(new URL("http://127.0.0.2/")), SsrfError);
  await assert.rejects(guard.check(new URL("http://meta.test/")), SsrfError);
  guard.addAllowedHost("meta.test");
  await guard.check(new URL("http://meta.test/"));
  guard.addAllowedHost("[fe80::1]");
  await guard.check(new URL("http://[fe80::1]/"));
  for (const bad of ["", "a/b", "user@host", "a b", "[::1"]) {
    assert.throws(() => guard.addAllowedHost(bad), TypeError, bad);
  }
});

Deno.test("SsrfGuard.check() caches answers per hostname for cacheTtlMs", async () => {
  const clock = new FakeClock();
  const { guard, resolver } = guardWith({ clock, cacheTtlMs: 1000 });
  await guard.check(new URL("https://public.test/1"));
  await guard.check(new URL("https://public.test/2"));
  await assert.rejects(guard.check(new URL("https://evil.test/1")), SsrfError);
  await assert.rejects(guard.check(new URL("https://evil.test/2")), SsrfError);
  assert.deepEqual(resolver.calls, ["public.test", "evil.test"]);
  await clock.tick(999);
  await guard.check(new URL("https://public.test/3"));
  assert.equal(resolver.calls.length, 2);
  await clock.tick(1);
  await guard.check(new URL("https://public.test/4"));
  assert.deepEqual(resolver.calls, ["public.test", "evil.test", "public.test"]);
  assert.deepEqual(guard.stats, { lookups: 3, hits: 3, joined: 0, refused: 2 });
});

Deno.test("SsrfGuard.check() re-resolves and sees a changed answer when cacheTtlMs has passed", async () => {
  const clock = new FakeClock();
  const table: Record<string, string[]> = { "flip.test": ["93.184.216.34"] };
  const { guard } = guardWith({
    clock,
    resolver: tableResolver(table),
    cacheTtlMs: 500,
  });
  await guard.check(new URL("https://flip.test/"));
  table["flip.test"] = ["192.168.1.1"];
  await guard.check(new URL("https://flip.test/")); // cached public answer
  await clock.tick(500);
  await assert.rejects(guard.check(new URL("https://flip.test/")), SsrfError);
});

Deno.test("SsrfGuard.check() resolves every time when cacheTtlMs is 0", async () => {
  const { guard, resolver } = guardWith({ cacheTtlMs: 0 });
  await guard.check(new URL("https://public.test/"));
  await guard.check(new URL("https://public.test/"));
  assert.equal(resolver.calls.length, 2);
});

Deno.test("SsrfGuard.check() evicts the least recently used hostname past maxEntries", async () => {
  const clock = new FakeClock();
  const resolver: Resolver & { calls: string[] } = Object.assign(
    (host: string) => {
      resolver.calls.push(host);
      return Promise.resolve(["93.184.216.34"]);
    },
    { calls: [] as string[] },
  );
  const guard = new SsrfGuard({ resolver, clock, maxEntries: 2 });
  const check = (h: string) => guard.check(new URL(`https://${h}/`));
  await check("a.test");
  await check("b.test");
  await check("a.test"); // hit: a becomes most recently used
  await check("c.test"); // evicts b
  assert.deepEqual(resolver.calls, ["a.test", "b.test", "c.test"]);
  await check("a.test"); // still cached
  await check("b.test"); // evicted: resolved again, evicts c
  await check("c.test");
  assert.deepEqual(resolver.calls, [
    "a.test",
    "b.test",
    "c.test",
    "b.test",
    "c.test",
  ]);
});

Deno.test("SsrfGuard.check() resolves once when checks of a hostname race", async () => {
  const clock = new FakeClock();
  const calls: string[] = [];
  const resolver: Resolver = async (host, signal) => {
    calls.push(host);
    await clock.sleep(100, signal);
    return host === "mixed.test" ? ["93.184.216.34", "10.0.0.1"] : ["8.8.8.8"];
  };
  const guard = new SsrfGuard({ resolver, clock });
  const ok = [1, 2, 3].map((i) =>
    guard.check(new URL(`https://public.test/${i}`))
  );
  const bad = [1, 2].map((i) =>
    guard.check(new URL(`https://mixed.test/${i}`))
  );
  const settled = Promise.allSettled([...ok, ...bad]);
  await clock.tick(100);
  const results = await settled;
  assert.deepEqual(results.slice(0, 3).map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "fulfilled",
  ]);
  for (const r of results.slice(3)) {
    assert.equal(r.status, "rejected");
    assert.ok(r.reason instanceof SsrfError);
    assert.equal(r.reason.address, "10.0.0.1");
  }
  assert.deepEqual(calls, ["public.test", "mixed.test"]);
  assert.equal(guard.stats.joined, 3);
  assert.equal(clock.pending, 0);
});

Deno.test("SsrfGuard.check() throws an uncached FetchError when resolution fails", async () => {
  const { guard, resolver } = guardWith();
  const url = new URL("https://nxdomain.test/page");
  for (let i = 0; i < 2; i++) {
    await assert.rejects(guard.check(url), (err) => {
      assert.ok(err instanceof FetchError);
      assert.ok(!(err instanceof SsrfError));
      assert.equal(err.url, url.href);
      assert.match(err.message, /nxdomain\.test.*ENOTFOUND/);
      assert.equal((err.cause as { code?: string }).code, "ENOTFOUND");
      return true;
    });
  }
  assert.deepEqual(resolver.calls, ["nxdomain.test", "nxdomain.test"]);
  await assert.rejects(
    guard.check(new URL("https://empty.test/")),
    (err) => err instanceof FetchError && /no addresses/.test(err.message),
  );
  // A resolver that throws synchronously is a failure too.
  const throwing = new SsrfGuard({
    resolver: () => {
      throw new Error("boom");
    },
  });
  await assert.rejects(
    throwing.check(new URL("https://x.test/")),
    (err) => err instanceof FetchError && /boom/.test(err.message),
  );
  assert.equal(guard.stats.refused, 0);
});

Deno.test("SsrfGuard.check() refuses when isForbidden throws", async () => {
  const guard = new SsrfGuard({
    resolver: () => Promise.resolve(["8.8.8.8"]),
    isForbidden: () => {
      throw new Error("classifier bug");
    },
  });
  await assert.rejects(guard.check(new URL("https://a.test/")), SsrfError);
  await assert.rejects(guard.check(new URL("http://8.8.8.8/")), SsrfError);
});

Deno.test("SsrfGuard.check() uses a custom isForbidden", async () => {
  const seen: string[] = [];
  const guard = new SsrfGuard({
    resolver: () => Promise.resolve(["93.184.216.34", "1.1.1.1"]),
    isForbidden: (ip) => {
      seen.push(ip);
      return ip === "1.1.1.1";
    },
  });
  await assert.rejects(
    guard.check(new URL("https://a.test/")),
    (err) => err instanceof SsrfError && err.address === "1.1.1.1",
  );
  await guard.check(new URL("http://127.0.0.1/")); // the custom rule allows it
  assert.deepEqual(seen, ["93.184.216.34", "1.1.1.1", "127.0.0.1"]);
});

Deno.test("SsrfGuard.check() rejects with signal.reason when aborted", async () => {
  const clock = new FakeClock();
  const lookupSignals: AbortSignal[] = [];
  const resolver: Resolver = async (_host, signal) => {
    lookupSignals.push(signal!);
    await clock.sleep(1000, signal);
    return ["8.8.8.8"];
  };
  const guard = new SsrfGuard({ resolver, clock });
  const url = new URL("https://slow.test/");

  // Already aborted: the resolver is not called.
  const reason = new Error("stop");
  await assert.rejects(
    guard.check(url, { signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
  assert.equal(lookupSignals.length, 0);

  // One of two waiters aborts: the shared lookup goes on for the other.
  const a = new AbortController();
  const first = guard.check(url, { signal: a.signal });
  const second = guard.check(url);
  await clock.tick(10);
  a.abort(reason);
  await assert.rejects(first, (err) => err === reason);
  assert.equal(lookupSignals[0].aborted, false);
  await clock.tick(990);
  await second;

  // The only waiter aborts: the lookup itself is cancelled and nothing cached.
  const b = new AbortController();
  const other = new URL("https://slow2.test/");
  const third = guard.check(other, { signal: b.signal });
  await clock.tick(10);
  b.abort(reason);
  await assert.rejects(third, (err) => err === reason);
  assert.equal(lookupSignals[1].aborted, true);
  assert.equal(clock.pending, 0);
  const fourth = guard.check(other);
  await clock.tick(1000);
  await fourth;
  assert.equal(lookupSignals.length, 3);
});

Deno.test("SsrfGuard() rejects bad options", () => {
  assert.throws(
    () => new SsrfGuard({ cacheTtlMs: -1 }),
    {
      name: "RangeError",
      message:
        "Cannot create SsrfGuard as 'cacheTtlMs' must be a number of at least 0: current value is -1",
    },
  );
  assert.throws(() => new SsrfGuard({ cacheTtlMs: NaN }), RangeError);
  assert.throws(() => new SsrfGuard({ cacheTtlMs: Infinity }), RangeError);
  assert.throws(
    () => new SsrfGuard({ maxEntries: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot create SsrfGuard as 'maxEntries' must be a positive integer: current value is 0",
    },
  );
  assert.throws(() => new SsrfGuard({ maxEntries: 1.5 }), RangeError);
  assert.throws(
    () => new SsrfGuard({ resolver: "dns" as unknown as Resolver }),
    TypeError,
  );
  assert.throws(
    () => new SsrfGuard({ isForbidden: 1 as unknown as () => boolean }),
    TypeError,
  );
  assert.throws(() => new SsrfGuard({ allowHosts: ["a/b"] }), TypeError);
});

Deno.test("defaultResolver() resolves IP literals and localhost locally", async () => {
  assert.deepEqual(await defaultResolver("127.0.0.1"), ["127.0.0.1"]);
  assert.deepEqual(await defaultResolver("[::1]"), ["::1"]);
  const local = await defaultResolver("localhost");
  assert.ok(local.length > 0);
  assert.ok(local.every(isForbiddenAddress));
  const reason = new Error("stop");
  await assert.rejects(
    defaultResolver("localhost", AbortSignal.abort(reason)),
    (err) => err === reason,
  );
  // The default guard refuses localhost by what it resolves to.
  await assert.rejects(
    new SsrfGuard().check(new URL("http://localhost:1/")),
    (err) => err instanceof SsrfError && isForbiddenAddress(err.address),
  );
});

Deno.test({
  name:
    "defaultResolver() fails as a FetchError when net permission for the name is missing",
  permissions: { net: ["127.0.0.1"] },
  async fn() {
    await assert.rejects(
      new SsrfGuard().check(new URL("http://localhost/")),
      (err) => {
        assert.ok(err instanceof FetchError);
        assert.equal((err.cause as { code?: string }).code, "EPERM");
        return true;
      },
    );
  },
});
