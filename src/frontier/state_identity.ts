/**
 * Compares a stored crawl's identity (seeds and settings) with a new run's,
 * for the stores' "same crawl?" check.
 *
 * @module
 */

/**
 * What differs between a stored crawl and this run, one line each (empty
 * when they match): seeds added or missing, and each setting that changed.
 *
 * @example Usage
 * ```ts
 * import { compareIdentity } from "./state_identity.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   compareIdentity(["https://a.test/"], { depth: 1 }, ["https://a.test/"], { depth: 2 }),
 *   ["depth was 1, now 2"],
 * );
 * ```
 *
 * @param storedSeeds The seeds the state was made with.
 * @param storedSettings The settings it was made with.
 * @param seeds This run's seeds.
 * @param settings This run's settings.
 * @returns The differences.
 */
export function compareIdentity(
  storedSeeds: readonly string[],
  storedSettings: Readonly<Record<string, unknown>>,
  seeds: readonly string[],
  settings: Readonly<Record<string, unknown>>,
): string[] {
  const out: string[] = [];
  const before = new Set(storedSeeds);
  const now = new Set(seeds);
  const added = [...now].filter((u) => !before.has(u));
  const removed = [...before].filter((u) => !now.has(u));
  if (added.length > 0) {
    out.push(`seeds added: ${added.slice(0, 3).join(" ")}${more(added)}`);
  }
  if (removed.length > 0) {
    out.push(`seeds missing: ${removed.slice(0, 3).join(" ")}${more(removed)}`);
  }
  const keys = new Set([
    ...Object.keys(storedSettings),
    ...Object.keys(settings),
  ]);
  for (const key of [...keys].sort()) {
    const a = JSON.stringify(storedSettings[key] ?? null);
    const b = JSON.stringify(settings[key] ?? null);
    if (a !== b) out.push(`${key} was ${a}, now ${b}`);
  }
  return out;
}

function more(list: readonly string[]): string {
  return list.length > 3 ? ` (and ${list.length - 3} more)` : "";
}
