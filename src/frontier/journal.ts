/**
 * The durable log behind a `Frontier` (a `SqliteStore` writes one): what it
 * records, and what it holds when a crawl opens.
 *
 * @module
 */
import type { CrawlResult } from "../crawler/result.ts";
import type { FrontierContext, FrontierEntry, RobotsStore } from "./store.ts";

/** A queued URL with its row id in a journal. */
export interface JournalEntry extends FrontierEntry {
  /** The journal's id: ascending in the order URLs were queued. */
  id: number;
}

/** What a journal holds when a crawl opens. */
export interface JournalState {
  /** Every URL accepted or settled so far (the dedupe set's contents). */
  seen: Iterable<string>;
  /** URLs queued so far: what counts against the page budget. */
  accepted: number;
  /** URLs queued and not done (including those in flight at a crash). */
  pending: number;
  /**
   * The recrawl the pending URLs belong to (0 or absent: the first crawl):
   * results are marked with it.
   */
  generation?: number;
}

/**
 * The durable log behind a `Frontier`: every write between two
 * `flush` calls becomes durable together, or not at all.
 */
export interface FrontierJournal {
  /** Checks or resets the stored crawl for `context`; returns its state. */
  open(context: FrontierContext): JournalState;
  /** Records a queued URL; returns its id. */
  queued(entry: FrontierEntry): number;
  /**
   * Records `result` as done: for the queued URL `id`, or (without `id`) a
   * URL settled without a request.
   */
  done(result: CrawlResult, id?: number): void;
  /** Up to `limit` pending URLs with ids above `after`, by id. */
  pendingAfter(after: number, limit: number): JournalEntry[];
  /** Makes every write so far durable. */
  flush(): void;
  /** The journal's robots.txt records. */
  readonly robots?: RobotsStore;
  /** Flushes and releases the journal. */
  close(): void;
}
