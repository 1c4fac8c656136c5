import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_SESSION_PARAMS,
  stripSessionIds,
  TrapGuard,
  type TrapLimits,
  type TrapReason,
} from "../../src/guards/trap_guard.ts";

const NUM_RUNS = 10_000;

Deno.test("TrapGuard.limits holds the documented defaults", () => {
  const { limits } = new TrapGuard();
  assert.deepEqual({ ...limits, sessionParams: [...limits.sessionParams] }, {
    maxUrlLength: 2048,
    maxRepeatedSegments: 3,
    maxPathDepth: 32,
    maxQueryVariants: 100,
    maxPagesPerHost: Infinity,
    sessionParams: [...DEFAULT_SESSION_PARAMS],
    maxTrackedPaths: 100_000,
  });
  assert.ok(Object.isFrozen(limits));
  // Undefined entries keep the default.
  assert.equal(
    new TrapGuard({ maxPathDepth: undefined }).limits.maxPathDepth,
    32,
  );
});

Deno.test("TrapGuard.admit() stops an infinite calendar after maxQueryVariants", () => {
  const guard = new TrapGuard({ maxQueryVariants: 100 });
  const admitted: string[] = [];
  const rejected: (TrapReason | undefined)[] = [];
  // The calendar links each month to the next, forever.
  for (let month = 0; month < 1000; month++) {
    const url = new URL(`https://cal.test/cal?month=${month}`);
    const reason = guard.admit(url);
    if (reason === undefined) admitted.push(url.href);
    else rejected.push(reason);
  }
  assert.equal(admitted.length, 100);
  assert.equal(admitted.at(-1), "https://cal.test/cal?month=99");
  assert.ok(rejected.every((r) => r === "query-variants"));
  assert.equal(guard.stats["query-variants"], 900);
  // An already-admitted variant is not a new one; the bare path is free.
  assert.equal(guard.admit(new URL("https://cal.test/cal?month=5")), undefined);
  assert.equal(guard.admit(new URL("https://cal.test/cal")), undefined);
  assert.equal(guard.admit(new URL("https://cal.test/cal?")), undefined);
  // Counting is per host and per path.
  assert.equal(
    guard.admit(new URL("https://cal.test/cal2?month=1000")),
    undefined,
  );
  assert.equal(
    guard.admit(new URL("https://other.test/cal?month=1000")),
    undefined,
  );
  assert.equal(
    guard.admit(new URL("https://cal.test/cal?month=1000")),
    "query-variants",
  );
  // check() is pure: it neither counts nor rejects variants.
  assert.equal(guard.check("https://cal.test/cal?month=2000"), undefined);
  assert.equal(guard.stats["query-variants"], 901);
});

Deno.test("TrapGuard.admit() counts a query variant once however often it comes", () => {
  const guard = new TrapGuard({ maxQueryVariants: 2 });
  const u = (q: string) => new URL(`https://a.test/p?${q}`);
  assert.equal(guard.admit(u("a=1")), undefined);
  assert.equal(guard.admit(u("a=1")), undefined); // one variant stored as a number
  assert.equal(guard.admit(u("a=2")), undefined); // upgraded to a set
  assert.equal(guard.admit(u("a=2")), undefined);
  assert.equal(guard.admit(u("a=1")), undefined);
  assert.equal(guard.admit(u("a=3")), "query-variants");
  assert.equal(guard.size, 1);
});

Deno.test("TrapGuard.admit() rejects ever-deepening relative paths", () => {
  const guard = new TrapGuard();
  // A page at /a/b/ links to "a/b/": each hop adds two segments.
  let page = new URL("https://trap.test/a/b/");
  let hops = 0;
  let reason: TrapReason | undefined;
  while ((reason = guard.admit(page)) === undefined) {
    page = new URL("a/b/", page);
    hops++;
    assert.ok(hops < 100, "the trap was never detected");
  }
  assert.equal(reason, "repeated-segments");
  assert.equal(hops, 3);
  assert.equal(page.pathname, "/a/b/a/b/a/b/a/b/");
  assert.equal(guard.stats["repeated-segments"], 1);

  // The spec's example: `a` appears 4 times (> 3).
  assert.equal(
    guard.check("https://t.test/a/b/a/b/a/b/a"),
    "repeated-segments",
  );
  assert.equal(guard.check("https://t.test/a/b/a/b/a/b"), undefined);
  // Period 1, 2 and 3 cycles, contiguous or not.
  assert.equal(guard.check("https://t.test/a/a/a/a"), "repeated-segments");
  assert.equal(guard.check("https://t.test/a/a/a"), undefined);
  assert.equal(
    guard.check("https://t.test/x/a/b/a/b/a/b/a/b"),
    "repeated-segments",
  );
  assert.equal(
    guard.check("https://t.test/x/y/z/x/y/z/x/y/z/x/y/z/"),
    "repeated-segments",
  );
  assert.equal(guard.check("https://t.test/x/y/z/x/y/z/x/y/z/"), undefined);
  assert.equal(
    guard.check("https://t.test/a/1/b/a/2/c/a/3/d/a"),
    "repeated-segments",
  );
  // Empty segments count; the trailing slash does not.
  assert.equal(guard.check("https://t.test/a/////"), "repeated-segments");
  assert.equal(guard.check("https://t.test/a////"), undefined);
  // A stricter limit.
  const strict = new TrapGuard({ maxRepeatedSegments: 1 });
  assert.equal(strict.check("https://t.test/a/b/a"), "repeated-segments");
  assert.equal(strict.check("https://t.test/a/b/c"), undefined);
});

Deno.test("TrapGuard.check() rejects paths deeper than maxPathDepth", () => {
  const guard = new TrapGuard({ maxPathDepth: 4 });
  assert.equal(guard.check("https://t.test/1/2/3/4"), undefined);
  assert.equal(guard.check("https://t.test/1/2/3/4/"), undefined);
  assert.equal(guard.check("https://t.test/1/2/3/4/5"), "too-deep");
  assert.equal(guard.check("https://t.test/"), undefined);
  assert.equal(guard.check("https://t.test"), undefined);
  const deep = "https://t.test/" +
    Array.from({ length: 33 }, (_, i) => `s${i}`).join("/");
  assert.equal(new TrapGuard().check(deep), "too-deep");
  assert.equal(
    new TrapGuard().check(deep.slice(0, deep.lastIndexOf("/"))),
    undefined,
  );
  assert.equal(guard.admit(new URL("https://t.test/1/2/3/4/5")), "too-deep");
  assert.equal(guard.stats["too-deep"], 1);
});

Deno.test("TrapGuard.check() rejects URLs longer than maxUrlLength", () => {
  const guard = new TrapGuard();
  const base = "https://t.test/";
  const fits = base + "x".repeat(2048 - base.length);
  assert.equal(guard.check(fits), undefined);
  assert.equal(guard.check(fits + "x"), "url-too-long");
  assert.equal(guard.check(new URL(fits + "x")), "url-too-long");
  // Measured on the parsed href too: escaping can make a URL longer.
  const spaces = base + " ".repeat(1000);
  assert.equal(spaces.length < 2048, true);
  assert.equal(guard.check(spaces + "x"), "url-too-long");
  // A huge string is rejected before it is parsed.
  assert.equal(guard.check("x".repeat(1e6)), "url-too-long");
  assert.equal(guard.admit(new URL(fits + "?q=1")), "url-too-long");
  assert.deepEqual(guard.stats, {
    "url-too-long": 1,
    "repeated-segments": 0,
    "too-deep": 0,
    "query-variants": 0,
    "host-budget": 0,
  });
  assert.equal(
    new TrapGuard({ maxUrlLength: 20 }).check(base + "abcdef"),
    "url-too-long",
  );
  // Not a URL: not a trap either (the caller drops it).
  assert.equal(guard.check("not a url"), undefined);
});

Deno.test("stripSessionIds() removes session ids and keeps the rest byte-identical", () => {
  const cases: [string, string][] = [
    ["https://a.test/p?sid=1", "https://a.test/p"],
    [
      "https://a.test/p?SID=1&a=%7e&B=2#f?sid=3",
      "https://a.test/p?a=%7e&B=2#f?sid=3",
    ],
    ["https://a.test/p?b=2&PHPSESSID=x&a=1", "https://a.test/p?b=2&a=1"],
    ["https://a.test/p?jsessionid", "https://a.test/p"],
    [
      "https://a.test/p?session_id=1&sessionid=2&aspsessionid=3",
      "https://a.test/p",
    ],
    ["https://a.test/p;jsessionid=ABC?x=1", "https://a.test/p?x=1"],
    [
      "https://a.test/a;JSESSIONID=1/b;v=2;jsessionid=3",
      "https://a.test/a/b;v=2",
    ],
    ["/p;jsessionid=1", "/p"],
    ["p?sid=1#top", "p#top"],
    // Not session ids: kept as they are.
    [
      "https://a.test/p?sidx=1&xsid=2&s%69d=3",
      "https://a.test/p?sidx=1&xsid=2&s%69d=3",
    ],
    ["https://a.test/p?", "https://a.test/p?"],
    ["https://a.test/p?&&a", "https://a.test/p?&&a"],
    ["https://a.test/p#sid=1", "https://a.test/p#sid=1"],
    ["https://u;sid=1@a.test/p", "https://u;sid=1@a.test/p"],
    [
      "https://a.test/q?next=/x;jsessionid=1",
      "https://a.test/q?next=/x;jsessionid=1",
    ],
    ["", ""],
  ];
  for (const [input, expected] of cases) {
    assert.equal(stripSessionIds(input), expected, input);
    assert.equal(stripSessionIds(expected), expected, expected);
  }
  assert.equal(stripSessionIds("/p?token=1&a=2", ["TOKEN"]), "/p?a=2");
  assert.equal(stripSessionIds("/p?sid=1", []), "/p?sid=1");
});

Deno.test("TrapGuard.admit() strips session ids before counting variants", () => {
  const guard = new TrapGuard({ maxQueryVariants: 1 });
  assert.equal(
    guard.admit(new URL("https://a.test/p?sid=1&page=1")),
    undefined,
  );
  // Same page, another session: the same variant.
  assert.equal(
    guard.admit(new URL("https://a.test/p?sid=2&page=1")),
    undefined,
  );
  assert.equal(
    guard.admit(new URL("https://a.test/p;jsessionid=9?page=1")),
    undefined,
  );
  assert.equal(
    guard.admit(new URL("https://a.test/p?page=2")),
    "query-variants",
  );
  // Only a session id: the bare path, not a variant at all.
  assert.equal(guard.admit(new URL("https://a.test/q?sid=1")), undefined);
  assert.equal(guard.admit(new URL("https://a.test/q?sid=2")), undefined);
  assert.equal(guard.size, 1);
  assert.equal(
    stripSessionIds("https://a.test/p?sid=1"),
    stripSessionIds("https://a.test/p?sid=2"),
  );
  // Custom names replace the defaults.
  const custom = new TrapGuard({
    maxQueryVariants: 1,
    sessionParams: ["Token"],
  });
  assert.equal(custom.admit(new URL("https://a.test/p?token=1")), undefined);
  assert.equal(custom.admit(new URL("https://a.test/p?TOKEN=2")), undefined);
  assert.equal(custom.admit(new URL("https://a.test/r?sid=1")), undefined);
  assert.equal(
    custom.admit(new URL("https://a.test/r?sid=2")),
    "query-variants",
  );
});

Deno.test("TrapGuard.admit() rejects a host's URLs past maxPagesPerHost", () => {
  const guard = new TrapGuard({ maxPagesPerHost: 3 });
  const results = [1, 2, 3, 4, 5].map((i) =>
    guard.admit(new URL(`https://a.test/${i}`))
  );
  assert.deepEqual(results, [
    undefined,
    undefined,
    undefined,
    "host-budget",
    "host-budget",
  ]);
  // Hosts are hostname:port.
  assert.equal(guard.admit(new URL("https://a.test:8443/1")), undefined);
  assert.equal(guard.admit(new URL("https://b.test/1")), undefined);
  assert.equal(guard.stats["host-budget"], 2);
  // Rejections for other reasons do not spend the budget.
  const other = new TrapGuard({ maxPagesPerHost: 1, maxPathDepth: 1 });
  assert.equal(other.admit(new URL("https://a.test/x/y")), "too-deep");
  assert.equal(other.admit(new URL("https://a.test/x?q=1")), undefined);
  assert.equal(other.admit(new URL("https://a.test/x?q=1")), "host-budget");
  // Nor do query-variant rejections.
  const both = new TrapGuard({ maxPagesPerHost: 2, maxQueryVariants: 1 });
  assert.equal(both.admit(new URL("https://a.test/c?m=1")), undefined);
  assert.equal(both.admit(new URL("https://a.test/c?m=2")), "query-variants");
  assert.equal(both.admit(new URL("https://a.test/d")), undefined);
  assert.equal(both.admit(new URL("https://a.test/e")), "host-budget");
  // clear() forgets everything.
  both.clear();
  assert.equal(both.size, 0);
  assert.equal(both.stats["host-budget"], 0);
  assert.equal(both.admit(new URL("https://a.test/e")), undefined);
});

Deno.test("TrapGuard() rejects bad limits", () => {
  const bad: [Partial<TrapLimits>, string][] = [
    [
      { maxUrlLength: 0 },
      "Cannot create TrapGuard as 'maxUrlLength' must be a positive integer: current value is 0",
    ],
    [
      { maxRepeatedSegments: 1.5 },
      "Cannot create TrapGuard as 'maxRepeatedSegments' must be a positive integer: current value is 1.5",
    ],
    [
      { maxPathDepth: -1 },
      "Cannot create TrapGuard as 'maxPathDepth' must be a positive integer: current value is -1",
    ],
    [
      { maxQueryVariants: Infinity },
      "Cannot create TrapGuard as 'maxQueryVariants' must be a positive integer: current value is Infinity",
    ],
    [
      { maxTrackedPaths: NaN },
      "Cannot create TrapGuard as 'maxTrackedPaths' must be a positive integer: current value is NaN",
    ],
    [
      { maxPagesPerHost: 0 },
      "Cannot create TrapGuard as 'maxPagesPerHost' must be a positive integer or Infinity: current value is 0",
    ],
    [
      { maxPagesPerHost: -Infinity },
      "Cannot create TrapGuard as 'maxPagesPerHost' must be a positive integer or Infinity: current value is -Infinity",
    ],
    [
      { maxUrlLength: "10" as unknown as number },
      "Cannot create TrapGuard as 'maxUrlLength' must be a positive integer: current value is 10",
    ],
  ];
  for (const [limits, message] of bad) {
    assert.throws(() => new TrapGuard(limits), { name: "RangeError", message });
  }
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new TrapGuard({ sessionParams: "sid" as any }),
    {
      name: "TypeError",
      message:
        "Cannot create TrapGuard as 'sessionParams' must be an array of strings: current value is sid",
    },
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new TrapGuard({ sessionParams: ["sid", 1] as any }),
    TypeError,
  );
  // Valid edge values.
  new TrapGuard({
    maxPagesPerHost: Infinity,
    maxUrlLength: 1,
    maxTrackedPaths: 1,
  });
  new TrapGuard({ sessionParams: [] });
});

Deno.test("TrapGuard.admit() forgets the least recently admitted key past maxTrackedPaths", () => {
  const guard = new TrapGuard();
  const cap = guard.limits.maxTrackedPaths;
  assert.equal(cap, 100_000);
  let maxSize = 0;
  for (let i = 0; i < 200_000; i++) {
    assert.equal(guard.admit(new URL(`https://a.test/p${i}?q=1`)), undefined);
    if (guard.size > maxSize) maxSize = guard.size;
  }
  assert.equal(maxSize, cap);
  assert.ok(guard.size >= cap / 2);

  // Eviction is least-recently-admitted first, and counting restarts.
  // With a cap of 2 the last 2 keys admitted are remembered.
  const small = new TrapGuard({ maxTrackedPaths: 2, maxQueryVariants: 1 });
  const u = (path: string, q: string) => new URL(`https://a.test/${path}?${q}`);
  assert.equal(small.admit(u("a", "1")), undefined);
  assert.equal(small.admit(u("b", "1")), undefined);
  assert.equal(small.admit(u("a", "1")), undefined); // a is now the newest
  assert.equal(small.admit(u("c", "1")), undefined); // evicts b
  assert.ok(small.size <= 2);
  assert.equal(small.admit(u("a", "2")), "query-variants"); // a still counted
  assert.equal(small.admit(u("c", "2")), "query-variants");
  assert.equal(small.admit(u("b", "2")), undefined); // b forgotten: restarts
  for (const cap of [1, 2, 3, 5, 8]) {
    const g = new TrapGuard({ maxTrackedPaths: cap, maxQueryVariants: 1 });
    for (let i = 0; i < 50; i++) {
      assert.equal(g.admit(u(`p${i}`, "1")), undefined);
      assert.ok(g.size <= cap, `size ${g.size} > cap ${cap}`);
      // The last cap keys are remembered.
      for (let j = Math.max(0, i - cap + 1); j <= i; j++) {
        assert.equal(
          g.admit(u(`p${j}`, "2")),
          "query-variants",
          `${cap} ${i} ${j}`,
        );
      }
    }
  }
  // Paths without a query are not tracked at all.
  const plain = new TrapGuard();
  for (let i = 0; i < 1000; i++) plain.admit(new URL(`https://a.test/${i}`));
  assert.equal(plain.size, 0);

  // The host map is bounded too: evicting a host restarts its budget.
  const hosts = new TrapGuard({ maxTrackedPaths: 1, maxPagesPerHost: 1 });
  assert.equal(hosts.admit(new URL("https://a.test/")), undefined);
  assert.equal(hosts.admit(new URL("https://a.test/2")), "host-budget");
  assert.equal(hosts.admit(new URL("https://b.test/")), undefined); // evicts a
  assert.equal(hosts.admit(new URL("https://b.test/2")), "host-budget");
  assert.equal(hosts.admit(new URL("https://a.test/2")), undefined);
});

/** Pieces that make URL paths and queries interesting for the guard. */
const piece = fc.constantFrom(
  "/",
  "//",
  "a",
  "b",
  "..",
  ".",
  "?",
  "&",
  "=",
  "#",
  ";",
  ";jsessionid=1",
  "sid=2",
  "SID",
  "%",
  "%2F",
  "%zz",
  "\\",
  " ",
  "\u0000",
  "é",
  "😀",
  "\ud800",
  ":",
  "@",
  "http://",
  "x.test",
);
const urlString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.tuple(
    fc.constantFrom(
      "https://a.test",
      "http://b.test:8080/",
      "file:///",
      "blob:",
      "//",
      "data:,",
      "mailto:",
    ),
    fc.string({ unit: piece, maxLength: 40 }),
  ).map(([s, rest]) => s + rest),
);

Deno.test("TrapGuard.check() and admit() never throw; stripSessionIds() is idempotent", () => {
  const guard = new TrapGuard({
    maxQueryVariants: 3,
    maxPagesPerHost: 50,
    maxTrackedPaths: 64,
    maxRepeatedSegments: 2,
    maxPathDepth: 6,
    maxUrlLength: 50,
  });
  const reasons = new Set<TrapReason | undefined>([
    undefined,
    "url-too-long",
    "repeated-segments",
    "too-deep",
    "query-variants",
    "host-budget",
  ]);
  fc.assert(
    fc.property(urlString, (s) => {
      const once = stripSessionIds(s);
      assert.equal(stripSessionIds(once), once);
      assert.ok(once.length <= s.length);
      assert.ok(reasons.has(guard.check(s)));
      const url = URL.parse(s);
      if (url === null) return;
      assert.ok(reasons.has(guard.check(url)));
      assert.ok(reasons.has(guard.admit(url)));
      assert.ok(guard.size <= 64);
    }),
    { numRuns: NUM_RUNS },
  );
  const stats = guard.stats;
  // The generator reaches every reason.
  for (const reason of reasons) {
    if (reason !== undefined) assert.ok(stats[reason] > 0, reason);
  }
});
