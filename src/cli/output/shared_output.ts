/**
 * Exactly-once output for a crawl shared through Redis: each process writes
 * the results it won to its own JSONL file and acknowledges them after the
 * write; unacknowledged results (a crash between the commit and the write)
 * are written on restart, or by a surviving process on the same machine.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import { FingerprintSet } from "../../frontier/fingerprint_set.ts";
import type { RedisStore } from "../../frontier/redis/redis_store.ts";
import {
  type ResultLedger,
  syncOutput,
  type SyncReport,
} from "./output_repair.ts";

/** A ledger over a fixed list of results: nothing is imported. */
function ledgerOf(results: readonly CrawlResult[]): ResultLedger {
  return {
    isDone: () => true,
    results: () =>
      results.map((r) => ({ url: r.url, json: JSON.stringify(r) })),
  };
}

/**
 * Repairs this worker's own output after a restart: cuts a partial tail,
 * appends the results it committed but had not acknowledged, then
 * acknowledges them.
 *
 * @example Usage
 * ```ts ignore
 * const report = await recoverOwnOutput(store, file);
 * ```
 *
 * @param store The shared store (with `outbox` on).
 * @param file This worker's output, open for reading and writing.
 * @returns What changed in the file.
 */
export async function recoverOwnOutput(
  store: RedisStore,
  file: Deno.FsFile,
): Promise<SyncReport> {
  const pending = await store.unacknowledged();
  const report = await syncOutput(file, ledgerOf(pending));
  await store.acknowledge(pending.map((r) => r.url));
  return report;
}

/** What {@linkcode adoptDeadWorkers} did. */
export interface AdoptionReport {
  /** Dead workers whose unwritten results were taken over. */
  adopted: string[];
  /** Results they had written already (found in their files). */
  found: number;
  /** Results they had not written, for this worker to write. */
  results: CrawlResult[];
  /** Dead workers on other machines, left for their own restart. */
  elsewhere: string[];
}

/**
 * Takes over the unwritten results of dead workers on this machine: cuts
 * the partial line a kill left in each one's output, and returns the
 * results missing from it, for the caller to write to its own output and
 * acknowledge. Results the dead worker wrote but had not acknowledged are
 * acknowledged here.
 *
 * @example Usage
 * ```ts ignore
 * const { results } = await adoptDeadWorkers(store, "myhost");
 * for (const r of results) writer.write(JSON.stringify(r), r.url);
 * ```
 *
 * @param store The shared store.
 * @param hostname This machine's name, as the workers registered it.
 * @returns The adopted workers and results.
 */
export async function adoptDeadWorkers(
  store: RedisStore,
  hostname: string,
): Promise<AdoptionReport> {
  const report: AdoptionReport = {
    adopted: [],
    found: 0,
    results: [],
    elsewhere: [],
  };
  const status = await store.status();
  for (const p of status.processes ?? []) {
    if (p.alive || p.id === store.worker || !(p.unacknowledged > 0)) continue;
    if (p.hostname !== hostname || p.output === undefined) {
      report.elsewhere.push(p.id);
      continue;
    }
    let adopted;
    try {
      adopted = await store.adopt(p.id);
    } catch {
      continue; // alive after all, or taken by another worker
    }
    if (adopted.results.length === 0) continue;
    report.adopted.push(p.id);
    const inFile = new FingerprintSet();
    try {
      using file = await Deno.open(adopted.output ?? p.output, {
        read: true,
        write: true,
      });
      await file.lock(true);
      await syncOutput(file, ledgerOf([]), inFile);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const written: string[] = [];
    for (const r of adopted.results) {
      if (inFile.has(r.url)) written.push(r.url);
      else report.results.push(r);
    }
    report.found += written.length;
    await store.acknowledge(written);
  }
  return report;
}
