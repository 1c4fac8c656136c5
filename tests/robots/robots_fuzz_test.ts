// Property tests for the robots.txt parser. fast-check prints the seed and
// the shrunk counterexample on failure; rerun one with
// `fc.assert(..., { seed, path })`.
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRobotsTxt, type RobotsTxt } from "../../src/robots/robots_txt.ts";

const NUM_RUNS = 10_000;

/** Pieces of robots.txt lines, valid and not, to glue into line soup. */
const robotsPiece = fc.constantFrom(
  "User-agent:",
  "user-agent: *",
  "USER-AGENT:trawl",
  "useragent: *",
  "user agent: Googlebot/2.1",
  "User-agent: * extra",
  "Allow:",
  "allow: /",
  "Disallow:",
  "DISALLOW: /private",
  "Disallow: *",
  "Disallow: /*.php$",
  "Allow: /$",
  "Disallow: $",
  "Crawl-delay:",
  "Crawl-delay: 2.5",
  "crawl-delay: .5",
  "crawl-delay: 1e999",
  "crawl-delay: -1",
  "Sitemap: https://a.test/s.xml",
  "sitemap:",
  ":",
  "::",
  " ",
  "\t",
  "#",
  "# comment",
  "\n",
  "\r\n",
  "\r",
  "\n\n",
  "\ufeff",
  "*",
  "**",
  "$",
  "$$",
  "/",
  "/a",
  "?",
  "=",
  "&",
  "%",
  "%2",
  "%2A",
  "%2a",
  "%24",
  "%zz",
  "%C3%A9",
  "é",
  "😀",
  "\ud800",
  "\u0000",
  "\\",
  "<html>",
  "trawl",
  "x".repeat(6000),
);
const lineSoup = fc.string({ unit: robotsPiece, maxLength: 40 });
const anyBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  lineSoup,
);

/** Paths (and full URLs) that stress the matcher. */
const pathPiece = fc.constantFrom(
  "/",
  "a",
  "b",
  "private",
  ".php",
  "*",
  "$",
  "?",
  "&",
  "=",
  "#",
  "%",
  "%2A",
  "%41",
  "%zz",
  "é",
  "😀",
  "\ud800",
  " ",
  "..",
);
const anyPath = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: pathPiece, maxLength: 20 }),
  fc.string({ unit: pathPiece, maxLength: 20 }).map((s) => "/" + s),
  fc.string({ unit: pathPiece, maxLength: 20 }).map((s) =>
    "https://a.test/" + s
  ),
);
const anyAgent = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "trawl/0.1 (+https://jsr.io/@trawl/trawl)",
    "Googlebot/2.1",
    "*",
    "",
    " trawl",
  ),
);

function exercise(robots: RobotsTxt, path: string, agent: string): void {
  assert.equal(typeof robots.isAllowed(path, agent), "boolean");
  const delay = robots.crawlDelay(agent);
  assert.ok(
    delay === undefined || (Number.isFinite(delay) && delay >= 0),
    `crawl delay ${delay}`,
  );
  assert.ok(Array.isArray(robots.sitemaps));
}

Deno.test("parseRobotsTxt() never throws on any string", () => {
  fc.assert(
    fc.property(anyBody, anyAgent, (body, agent) => {
      const robots = parseRobotsTxt(body);
      exercise(robots, "/", agent);
      assert.equal(
        new Set(robots.sitemaps).size,
        robots.sitemaps.length,
        "sitemaps are deduplicated",
      );
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("RobotsTxt.isAllowed() answers for any path and user-agent", () => {
  fc.assert(
    fc.property(lineSoup, anyPath, anyAgent, (body, path, agent) => {
      const robots = parseRobotsTxt(body);
      exercise(robots, path, agent);
      const url = URL.parse(path);
      if (url !== null) {
        assert.equal(typeof robots.isAllowed(url, agent), "boolean");
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("RobotsTxt.isAllowed() always allows /robots.txt", () => {
  const paths = fc.constantFrom(
    "/robots.txt",
    "/robots.txt?x=1",
    "/robots.txt#top",
    "https://a.test/robots.txt",
    "http://a.test:8080/robots.txt?v=2",
  );
  // Files that try hard to forbid it.
  const hostile = fc.array(
    fc.constantFrom(
      "User-agent: *",
      "User-agent: trawl",
      "Disallow: /",
      "Disallow: /robots.txt",
      "Disallow: /robots.txt$",
      "Disallow: *",
      "Disallow: /*.txt",
      "Allow: /x",
    ),
    { maxLength: 12 },
  ).map((lines) => lines.join("\n"));
  fc.assert(
    fc.property(
      fc.oneof(lineSoup, hostile),
      paths,
      anyAgent,
      (body, path, agent) => {
        const robots = parseRobotsTxt(body);
        assert.equal(robots.isAllowed(path, agent), true);
        assert.equal(
          robots.isAllowed(new URL(path, "https://a.test"), agent),
          true,
        );
      },
    ),
    { numRuns: NUM_RUNS },
  );
  // The property can fail: the same rules do bite other paths.
  const robots = parseRobotsTxt("User-agent: *\nDisallow: /");
  assert.equal(robots.isAllowed("/robots.txt.bak", "trawl"), false);
});

// The longest-match law. Patterns and paths use characters that need no
// percent-encoding normalization and are not special in patterns (`*`, `$`,
// `#`), so a pattern matches exactly when it is a prefix of the path.
const literalChar = fc.constantFrom("/", "a", "b", ".", "-", "_", "~", "1");
const literal = fc.string({ unit: literalChar, maxLength: 8 }).map((s) =>
  "/" + s
);

interface LiteralRule {
  allow: boolean;
  pattern: string;
}
interface LiteralGroup {
  agents: string[];
  rules: LiteralRule[];
}

const literalRule: fc.Arbitrary<LiteralRule> = fc.record({
  allow: fc.boolean(),
  pattern: literal,
});
const literalGroup: fc.Arbitrary<LiteralGroup> = fc.record({
  agents: fc.array(fc.constantFrom("*", "googlebot", "OtherBot"), {
    minLength: 1,
    maxLength: 2,
  }),
  rules: fc.array(literalRule, { maxLength: 8 }),
});

function render(groups: LiteralGroup[], comments: boolean): string {
  const lines: string[] = [];
  for (const g of groups) {
    for (const a of g.agents) lines.push(`User-agent: ${a}`);
    for (const r of g.rules) {
      lines.push(
        `${r.allow ? "Allow" : "Disallow"}: ${r.pattern}${
          comments ? " # note" : ""
        }`,
      );
    }
  }
  return lines.join(comments ? "\r\n" : "\n");
}

/**
 * The groups as RFC 9309 reads the rendered file: `User-agent` lines with no
 * rules between them form one group, so a rule-less group's agents share
 * the next group's rules.
 */
function effectiveGroups(groups: LiteralGroup[]): LiteralGroup[] {
  const out: LiteralGroup[] = [];
  let pending: string[] = [];
  for (const g of groups) {
    pending = [...pending, ...g.agents];
    if (g.rules.length > 0) {
      out.push({ agents: pending, rules: g.rules });
      pending = [];
    }
  }
  return out;
}

/** The verdict by RFC 9309's longest match, computed from the model. */
function expectedVerdict(groups: LiteralGroup[], path: string): boolean {
  let best = -1;
  let allowed = true;
  for (const g of effectiveGroups(groups)) {
    if (!g.agents.includes("*")) continue;
    for (const r of g.rules) {
      if (!path.startsWith(r.pattern)) continue;
      const length = r.pattern.length;
      if (length > best) {
        best = length;
        allowed = r.allow;
      } else if (length === best && r.allow) {
        allowed = true;
      }
    }
  }
  return allowed;
}

Deno.test("RobotsTxt.isAllowed() follows the longest literal pattern, Allow on ties", () => {
  const path = fc.string({ unit: literalChar, maxLength: 12 }).map((s) =>
    "/" + s
  );
  let disallowed = 0;
  fc.assert(
    fc.property(
      fc.array(literalGroup, { maxLength: 4 }),
      fc.array(path, { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      (groups, paths, comments) => {
        const robots = parseRobotsTxt(render(groups, comments));
        for (const p of paths) {
          if (p === "/robots.txt") continue;
          const expected = expectedVerdict(groups, p);
          if (!expected) disallowed++;
          assert.equal(robots.isAllowed(p, "trawl/0.1"), expected, p);
          // As a URL too, when the URL parser keeps the path (it resolves
          // dot segments such as "/a/..").
          const url = new URL(`https://a.test${p}`);
          if (url.pathname === p) {
            assert.equal(robots.isAllowed(url, "trawl/0.1"), expected, p);
            assert.equal(robots.isAllowed(url.href, "trawl/0.1"), expected, p);
          }
        }
      },
    ),
    { numRuns: NUM_RUNS },
  );
  // The generator does produce files that disallow something.
  assert.ok(disallowed > 1000, `only ${disallowed} disallowed paths`);
});

Deno.test("RobotsTxt.isAllowed() follows the longest match on hand-picked ties and prefixes", () => {
  const groups: LiteralGroup[] = [
    { agents: ["*"], rules: [{ allow: false, pattern: "/a" }] },
    { agents: ["googlebot"], rules: [{ allow: true, pattern: "/" }] },
    // No rules: this `*` shares the next group's rules.
    { agents: ["OtherBot", "*"], rules: [] },
    { agents: ["googlebot"], rules: [{ allow: false, pattern: "/abc/d" }] },
    {
      agents: ["*"],
      rules: [
        { allow: true, pattern: "/a" },
        { allow: false, pattern: "/ab" },
        { allow: true, pattern: "/abc/" },
      ],
    },
  ];
  const robots = parseRobotsTxt(render(groups, false));
  for (
    const [p, verdict] of [
      ["/a", true], // tie: Allow wins
      ["/ab", false],
      ["/abc", false],
      ["/abc/", true],
      ["/abc/d", false], // from the group `*` shares with googlebot
      ["/b", true], // no match
    ] as const
  ) {
    assert.equal(expectedVerdict(groups, p), verdict, p);
    assert.equal(robots.isAllowed(p, "trawl"), verdict, p);
  }
});
