/**
 * Which URLs belong to a crawl: scope relative to the seeds, plus
 * include/exclude filters.
 *
 * @module
 */
import type { Scope, UrlFilter } from "../crawler/options.ts";
import { registrableDomain } from "./registrable_domain.ts";

/** Options of {@linkcode ScopeFilter}. */
export interface ScopeFilterOptions {
  /**
   * How far from the seeds a URL may be.
   *
   * @default {"host"}
   */
  scope?: Scope;
  /** When non-empty, a URL must match one of these. */
  include?: UrlFilter[];
  /** A URL matching any of these is out. */
  exclude?: UrlFilter[];
}

/**
 * Decides whether a URL belongs to the crawl: within the scope of one of the
 * seeds, matching `include` (when given) and no `exclude`. The `domain`
 * scope needs `loadDomainRules()` (see `registrable_domain.ts`) to have
 * resolved before the first URL is checked.
 *
 * @example Host scope
 * ```ts
 * import { ScopeFilter } from "./scope.ts";
 * import assert from "node:assert/strict";
 *
 * const scope = new ScopeFilter(["https://example.com/"], { scope: "host" });
 * assert.equal(scope.allows(new URL("https://example.com/a")), true);
 * assert.equal(scope.allows(new URL("https://other.example.com/")), false);
 * ```
 */
export class ScopeFilter {
  readonly #scope: Scope;
  /** The seeds' keys, made at the first check; till then, the seeds. */
  #keys?: Set<string>;
  readonly #seeds: URL[] = [];
  readonly #include: UrlFilter[];
  readonly #exclude: UrlFilter[];

  /**
   * Creates a filter for the given seeds.
   *
   * @param seeds The crawl's seed URLs (already valid http(s) URLs).
   * @param options Scope and filters.
   */
  constructor(seeds: Iterable<string | URL>, options: ScopeFilterOptions = {}) {
    this.#scope = options.scope ?? "host";
    this.#include = options.include ?? [];
    this.#exclude = options.exclude ?? [];
    for (const s of seeds) this.addSeed(s);
  }

  /**
   * Widens the scope with one more seed.
   *
   * @param seed A seed URL.
   */
  addSeed(seed: string | URL): void {
    const url = typeof seed === "string" ? new URL(seed) : seed;
    if (this.#keys === undefined) this.#seeds.push(url);
    else this.#keys.add(this.#key(url));
  }

  /**
   * Whether the scope (ignoring include/exclude) admits `url`.
   *
   * @param url The candidate.
   * @returns `true` when it is within the scope of a seed.
   */
  inScope(url: URL): boolean {
    if (this.#scope === "any") return true;
    this.#keys ??= new Set(this.#seeds.map((seed) => this.#key(seed)));
    return this.#keys.has(this.#key(url));
  }

  /**
   * Whether include/exclude admit `url` (ignoring scope).
   *
   * @param href The candidate, as a string.
   * @returns `true` when it passes the filters.
   */
  passesFilters(href: string): boolean {
    if (this.#include.length > 0 && !this.#include.some((f) => test(f, href))) {
      return false;
    }
    return !this.#exclude.some((f) => test(f, href));
  }

  /**
   * Whether `url` belongs to the crawl: in scope and passing the filters.
   *
   * @param url The candidate.
   * @returns `true` when it should be crawled.
   */
  allows(url: URL): boolean {
    return this.inScope(url) && this.passesFilters(url.href);
  }

  #key(url: URL): string {
    switch (this.#scope) {
      case "origin":
        return url.origin;
      case "domain":
        // IP addresses and single-label hosts have no registrable domain.
        return registrableDomain(url.hostname);
      case "any":
        return "";
      default:
        return url.hostname;
    }
  }
}

function test(filter: UrlFilter, href: string): boolean {
  if (filter instanceof RegExp) {
    filter.lastIndex = 0;
    return filter.test(href);
  }
  return filter.test(href);
}
