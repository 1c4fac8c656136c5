/**
 * A robots.txt parser and matcher following RFC 9309 §2.2.
 *
 * @module
 */

/** The parsed rules of one robots.txt file. */
export interface RobotsTxt {
  /**
   * Whether `userAgent` may fetch `url` under these rules.
   *
   * The group whose product token equals the crawler's product token
   * (case-insensitive; `"trawl/0.1 (+https://...)"` has the token `trawl`)
   * applies, every such group merged; else the `*` groups merged; else
   * everything is allowed. The longest matching pattern wins and Allow wins a
   * tie. `/robots.txt` is always allowed.
   *
   * @param url An absolute URL, or a path starting with `/` (with an optional
   * query). Only the path and query are matched. An unparseable string is
   * never allowed.
   * @param userAgent The crawler's User-Agent string or product token.
   * @returns `true` when the URL may be fetched.
   */
  isAllowed(url: string | URL, userAgent: string): boolean;
  /**
   * The `Crawl-delay` of the group matching `userAgent`, in seconds.
   *
   * When several merged groups give one, the largest applies.
   *
   * @param userAgent The crawler's User-Agent string or product token.
   * @returns The delay in seconds, or `undefined` when none is given.
   */
  crawlDelay(userAgent: string): number | undefined;
  /** The `Sitemap:` URLs of the file, deduplicated, in order of appearance. */
  readonly sitemaps: string[];
}

/** google/robotstxt's line length cap (2083 * 8 bytes). */
const MAX_LINE_BYTES = 16_664;
/** How many user agents' merged groups a parsed file remembers. */
const MAX_CACHED_AGENTS = 16;

interface Rule {
  allow: boolean;
  /** Octets of the normalized pattern: the longest match wins. */
  length: number;
  /** Literal pieces between `*` wildcards (normalized). */
  parts: string[];
  /** The pattern ended with `$`. */
  anchored: boolean;
}

interface Group {
  agents: string[];
  rules: Rule[];
  crawlDelay?: number;
}

interface Selected {
  /** Sorted: longest first, Allow before Disallow at equal length. */
  rules: Rule[];
  crawlDelay?: number;
}

/**
 * Parses a robots.txt body (RFC 9309). Never throws: lines that are not
 * valid records are ignored, so an HTML page or garbage parses to a file that
 * allows everything.
 *
 * Recognised records: `user-agent` (also `useragent` and `user agent`),
 * `allow`, `disallow`, `sitemap` and `crawl-delay`, keys case-insensitive.
 * `#` starts a comment; a leading UTF-8 BOM is stripped; lines are cut at
 * 16,664 bytes. `Sitemap` and `Crawl-delay` lines do not end a group.
 * Patterns support `*` (any run of characters) and a trailing `$` (end of
 * URL); percent-encoding is normalized on both sides (non-ASCII encoded as
 * UTF-8, hex in upper case, unreserved characters decoded), so `%2A` in a
 * pattern matches a literal `*` in a URL.
 *
 * @example Matching URLs
 * ```ts
 * import { parseRobotsTxt } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * const robots = parseRobotsTxt(`
 * User-agent: *
 * Disallow: /private/
 * Allow: /private/press/
 * Crawl-delay: 2
 * Sitemap: https://example.com/sitemap.xml
 * `);
 * const ua = "trawl/0.1 (+https://jsr.io/@trawl/trawl)";
 * assert.equal(robots.isAllowed("https://example.com/private/x", ua), false);
 * assert.equal(robots.isAllowed("https://example.com/private/press/1", ua), true);
 * assert.equal(robots.crawlDelay(ua), 2);
 * assert.deepEqual(robots.sitemaps, ["https://example.com/sitemap.xml"]);
 * ```
 *
 * @param body The robots.txt text.
 * @returns The parsed file.
 */
export function parseRobotsTxt(body: string): RobotsTxt {
  return new ParsedRobotsTxt(typeof body === "string" ? body : "");
}

/**
 * The product token of a User-Agent string: its leading run of letters, `-`
 * and `_`, lowercased (`"Googlebot/2.1 (...)"` gives `"googlebot"`).
 *
 * @param userAgent A User-Agent string or a robots.txt `user-agent` value.
 * @returns The lowercased product token, or `""` when there is none.
 */
function productToken(userAgent: string): string {
  const s = userAgent.trimStart();
  let end = 0;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!letter && c !== 0x2d && c !== 0x5f) break;
    end++;
  }
  return s.slice(0, end).toLowerCase();
}

class ParsedRobotsTxt implements RobotsTxt {
  readonly sitemaps: string[] = [];
  #groups: Group[] = [];
  #selected = new Map<string, Selected>();

  constructor(body: string) {
    if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
    const seenSitemaps = new Set<string>();
    let current: Group | undefined;
    let inRules = false;
    for (let line of body.split(/\r\n|\r|\n/)) {
      if (line.length * 3 > MAX_LINE_BYTES) line = truncateUtf8(line);
      const hash = line.indexOf("#");
      if (hash >= 0) line = line.slice(0, hash);
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      switch (key) {
        case "user-agent":
        case "useragent":
        case "user agent": {
          if (!current || inRules) {
            current = { agents: [], rules: [] };
            this.#groups.push(current);
            inRules = false;
          }
          const agent = value === "*" || /^\*\s/.test(value)
            ? "*"
            : productToken(value);
          if (agent) current.agents.push(agent);
          break;
        }
        case "allow":
        case "disallow": {
          if (!current) break; // rules outside any group are ignored
          inRules = true;
          if (value === "") break; // an empty pattern means nothing
          current.rules.push(compileRule(key === "allow", value));
          break;
        }
        case "crawl-delay": {
          if (!current || current.crawlDelay !== undefined) break;
          if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value)) break;
          const seconds = Number(value);
          if (Number.isFinite(seconds)) current.crawlDelay = seconds;
          break;
        }
        case "sitemap": {
          if (value && !seenSitemaps.has(value)) {
            seenSitemaps.add(value);
            this.sitemaps.push(value);
          }
          break;
        }
      }
    }
  }

  isAllowed(url: string | URL, userAgent: string): boolean {
    let path: string;
    let pathname: string;
    try {
      if (typeof url === "string" && url.startsWith("/")) {
        path = url;
        const hash = path.indexOf("#");
        if (hash >= 0) path = path.slice(0, hash);
        const q = path.indexOf("?");
        pathname = q >= 0 ? path.slice(0, q) : path;
      } else {
        const u = typeof url === "string" ? new URL(url) : url;
        pathname = u.pathname || "/";
        path = pathname + (u.search || emptyQuery(u));
      }
    } catch {
      return false;
    }
    if (pathname === "/robots.txt") return true;
    const target = normalize(path, false);
    for (const rule of this.#select(userAgent).rules) {
      if (matches(rule, target)) return rule.allow;
    }
    return true;
  }

  crawlDelay(userAgent: string): number | undefined {
    return this.#select(userAgent).crawlDelay;
  }

  #select(userAgent: string): Selected {
    const token = productToken(typeof userAgent === "string" ? userAgent : "");
    const cached = this.#selected.get(token);
    if (cached) return cached;
    let groups = token
      ? this.#groups.filter((g) => g.agents.includes(token))
      : [];
    if (groups.length === 0) {
      groups = this.#groups.filter((g) => g.agents.includes("*"));
    }
    const rules: Rule[] = [];
    let crawlDelay: number | undefined;
    for (const g of groups) {
      rules.push(...g.rules);
      if (
        g.crawlDelay !== undefined &&
        (crawlDelay === undefined || g.crawlDelay > crawlDelay)
      ) {
        crawlDelay = g.crawlDelay;
      }
    }
    rules.sort((a, b) =>
      b.length - a.length || (a.allow === b.allow ? 0 : a.allow ? -1 : 1)
    );
    const selected: Selected = { rules, crawlDelay };
    if (this.#selected.size >= MAX_CACHED_AGENTS) this.#selected.clear();
    this.#selected.set(token, selected);
    return selected;
  }
}

/**
 * `"?"` when `u` has an empty query (`/path?`), else `""`: `URL.search` is
 * `""` both for no query and for an empty one, but a rule written with the
 * `?` (`Disallow: /path?`) matches the second only.
 */
function emptyQuery(u: URL): string {
  const href = u.href;
  const end = u.hash ? href.length - u.hash.length : href.length;
  return href.charCodeAt(end - 1) === 0x3f ? "?" : "";
}

function compileRule(allow: boolean, value: string): Rule {
  // Patterns should start with "/"; "*"-led ones are common. Anything else
  // is read as if it started with "/" (the conservative reading).
  if (value[0] !== "/" && value[0] !== "*") value = "/" + value;
  const pattern = normalize(value, true);
  const anchored = pattern.endsWith("$");
  const body = anchored ? pattern.slice(0, -1) : pattern;
  // Collapse runs of "*": they mean the same as one and would only cost time.
  const parts = body.replace(/\*{2,}/g, "*").split("*");
  if (!anchored && parts.length > 1 && parts[parts.length - 1] === "") {
    parts.pop(); // a trailing "*" adds nothing to a prefix match
  }
  return { allow, length: pattern.length, parts, anchored };
}

/**
 * Matches a compiled pattern against a normalized path: literal pieces are
 * found left to right at their earliest position, which is exact for
 * patterns whose only wildcard is `*`, in O(path × pattern) at worst.
 */
function matches(rule: Rule, path: string): boolean {
  const { parts, anchored } = rule;
  const first = parts[0];
  if (!path.startsWith(first)) return false;
  if (parts.length === 1) return !anchored || path.length === first.length;
  let pos = first.length;
  const last = parts.length - 1;
  for (let i = 1; i < last; i++) {
    const piece = parts[i];
    const at = path.indexOf(piece, pos);
    if (at < 0) return false;
    pos = at + piece.length;
  }
  const tail = parts[last];
  if (anchored) {
    return path.length - tail.length >= pos && path.endsWith(tail);
  }
  return tail === "" || path.indexOf(tail, pos) >= 0;
}

const HEX = "0123456789ABCDEF";

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f ||
    c === 0x7e;
}

/** ASCII characters always written percent-encoded, whichever side. */
function alwaysEncoded(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x27 || c === 0x3c ||
    c === 0x3e || c === 0x5c || c === 0x5e || c === 0x60 || c === 0x7b ||
    c === 0x7c || c === 0x7d;
}

function pct(byte: number): string {
  return "%" + HEX[byte >> 4] + HEX[byte & 15];
}

/**
 * Brings a path or pattern to one canonical percent-encoding: `%xx` of an
 * unreserved character decoded, other `%xx` upper-cased, non-ASCII encoded as
 * UTF-8, and a fixed set of unsafe ASCII characters encoded. In a pattern
 * `*` and a final `$` stay special (a `$` elsewhere is literal); in a URL
 * `*` and `$` are literal, so they are encoded.
 */
function normalize(s: string, pattern: boolean): string {
  let out = "";
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = i + 2 < n ? hexValue(s.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
      if (l >= 0) {
        const v = h * 16 + l;
        out += isUnreserved(v) ? String.fromCharCode(v) : pct(v);
        i += 2;
      } else {
        out += "%";
      }
    } else if (c < 0x80) {
      if (c === 0x2a) out += pattern ? "*" : "%2A";
      else if (c === 0x24) out += pattern && i === n - 1 ? "$" : "%24";
      else if (alwaysEncoded(c)) out += pct(c);
      else out += s[i];
    } else {
      let cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
      if (cp < 0x800) {
        out += pct(0xc0 | (cp >> 6)) + pct(0x80 | (cp & 63));
      } else if (cp < 0x10000) {
        out += pct(0xe0 | (cp >> 12)) + pct(0x80 | ((cp >> 6) & 63)) +
          pct(0x80 | (cp & 63));
      } else {
        out += pct(0xf0 | (cp >> 18)) + pct(0x80 | ((cp >> 12) & 63)) +
          pct(0x80 | ((cp >> 6) & 63)) + pct(0x80 | (cp & 63));
      }
    }
  }
  return out;
}

/** Cuts a line to at most {@linkcode MAX_LINE_BYTES} UTF-8 bytes. */
function truncateUtf8(line: string): string {
  let bytes = 0;
  let i = 0;
  while (i < line.length) {
    const cp = line.codePointAt(i)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > MAX_LINE_BYTES) break;
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return line.slice(0, i);
}
