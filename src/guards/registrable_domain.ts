/**
 * Registrable domains (`docs.example.co.uk` → `example.co.uk`), for the
 * `domain` scope. The public suffix list they need (tldts) takes a fifth of
 * the crawler's start-up to load, so it is loaded only by a crawl that asks
 * for that scope.
 *
 * @module
 */

let getDomain: ((hostname: string) => string | null) | undefined;

/**
 * Loads the public suffix list; {@linkcode registrableDomain} works once
 * this resolves.
 *
 * @example Usage
 * ```ts
 * import { loadDomainRules, registrableDomain } from "./registrable_domain.ts";
 * import assert from "node:assert/strict";
 *
 * await loadDomainRules();
 * assert.equal(registrableDomain("docs.example.co.uk"), "example.co.uk");
 * ```
 *
 * @returns When the list is loaded.
 */
export async function loadDomainRules(): Promise<void> {
  getDomain ??= (await import("tldts")).getDomain;
}

/**
 * The registrable domain of `hostname`, or `hostname` itself when it has
 * none (an IP address, a single label).
 *
 * @example Usage
 * ```ts
 * import { loadDomainRules, registrableDomain } from "./registrable_domain.ts";
 * import assert from "node:assert/strict";
 *
 * await loadDomainRules();
 * assert.equal(registrableDomain("a.b.example.com"), "example.com");
 * assert.equal(registrableDomain("127.0.0.1"), "127.0.0.1");
 * ```
 *
 * @param hostname A URL's hostname.
 * @returns Its registrable domain.
 * @throws {Error} Before {@linkcode loadDomainRules} has resolved.
 */
export function registrableDomain(hostname: string): string {
  if (getDomain === undefined) {
    throw new Error(
      "Cannot find a registrable domain before loadDomainRules() resolves",
    );
  }
  return getDomain(hostname) ?? hostname;
}
