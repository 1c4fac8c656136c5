/**
 * `newLinks()`: the links a page adds to the frontier are the same whether
 * the parse worker made their keys (`linkKeys`: session ids stripped,
 * fingerprints, repeats) or the crawler's thread strips and fingerprints
 * them itself.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { newLinks } from "../../src/crawler/new_links.ts";
import { FingerprintSet } from "../../src/frontier/fingerprint_set.ts";
import { TrapGuard } from "../../src/guards/trap_guard.ts";
import { linkKeys } from "../../src/parse/link_keys.ts";

const SESSION = ["sid", "jsessionid", "phpsessid"];

/** Links with and without session ids, on two hosts. */
const link = fc.tuple(
  fc.constantFrom("https://a.test", "https://b.test"),
  fc.constantFrom("/", "/p", "/p/q", "/shop"),
  fc.constantFrom("", ";jsessionid=X1", ";JSESSIONID=2"),
  fc.constantFrom("", "?sid=1", "?SID=2&x=1", "?x=1", "?x=1&phpsessid=z", "?"),
  fc.constantFrom("", "#top"),
).map((parts) => parts.join(""));

Deno.test("newLinks() gives the same links with the worker's keys as without, across session ids, nofollow and known URLs", () => {
  const guard = new TrapGuard({ sessionParams: SESSION });
  const strip = (url: string) => guard.stripSessionIds(url);
  fc.assert(
    fc.property(
      fc.uniqueArray(link, { maxLength: 20 }),
      fc.array(fc.nat(19), { maxLength: 6 }),
      fc.uniqueArray(link, { maxLength: 8 }),
      (urls, nofollow, known) => {
        const seen = new FingerprintSet();
        for (const url of known) seen.add(strip(url));
        const frontier = {
          has: (url: string) => seen.has(url),
          hasFingerprint: (hi: number, lo: number) =>
            seen.hasFingerprint(hi, lo),
        };
        const flagged = new Set(nofollow.filter((i) => i < urls.length));
        const marks = [...flagged].sort((a, b) => a - b);
        const keys = linkKeys(urls, marks, SESSION);
        assert.deepEqual(
          newLinks({ urls, flagged, keys }, frontier, strip),
          newLinks({ urls, flagged }, frontier, strip),
        );
      },
    ),
    { numRuns: 2_000 },
  );
});

Deno.test("newLinks() keeps the first of two links that are one page once stripped, unless it is nofollow", () => {
  const guard = new TrapGuard({ sessionParams: SESSION });
  const strip = (url: string) => guard.stripSessionIds(url);
  const frontier = { has: () => false, hasFingerprint: () => false };
  const urls = [
    "https://a.test/p?sid=1",
    "https://a.test/p",
    "https://a.test/q",
  ];
  for (const nofollow of [[], [0]]) {
    const flagged = new Set(nofollow);
    const keys = linkKeys(urls, nofollow, SESSION);
    assert.deepEqual(
      newLinks({ urls, flagged, keys }, frontier, strip),
      ["https://a.test/p", "https://a.test/q"],
    );
  }
});
