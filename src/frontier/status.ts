/**
 * A crawl's progress as a store reports it, for `trawl status`.
 *
 * @module
 */

/** One host's share of a crawl. */
export interface HostStatus {
  /** The host (hostname and port). */
  host: string;
  /** URLs done (a result was committed). */
  done: number;
  /** URLs queued or in flight. */
  pending: number;
  /** Done URLs that ended in an error or an HTTP status of 400 or more. */
  failed: number;
}

/** One process of a shared crawl. */
export interface ProcessStatus {
  /** The process's id in the crawl. */
  id: string;
  /** Where it runs. */
  hostname: string;
  /** Its process id. */
  pid: number;
  /** Results it committed. */
  done: number;
  /** URLs it holds leases on now. */
  leased: number;
  /** When it was last heard from (epoch ms). */
  lastSeen: number;
  /** Whether its heartbeat is current. */
  alive: boolean;
}

/** A crawl's progress, read from its store without crawling. */
export interface CrawlStatus {
  /** Where the state lives. */
  location: string;
  /** The seeds the crawl was started with. */
  seeds: string[];
  /** URLs accepted (queued or settled without a request). */
  accepted: number;
  /** URLs with a committed result. */
  done: number;
  /** URLs queued or in flight. */
  pending: number;
  /** URLs leased to a process now (shared stores). */
  leased?: number;
  /** Results with an HTTP response, by status class (`"2xx"`, ...). */
  byStatusClass: Record<string, number>;
  /** Results with an error, by error name. */
  errors: Record<string, number>;
  /** Results skipped, by reason. */
  skipped: Record<string, number>;
  /** Per host, most pending first. */
  hosts: HostStatus[];
  /** Per process (shared stores). */
  processes?: ProcessStatus[];
  /** The last recrawl, when the crawl was recrawled (durable stores). */
  recrawl?: RecrawlStatus;
}

/** A recrawl's progress. */
export interface RecrawlStatus {
  /** Which recrawl (1 for the first). */
  generation: number;
  /** When it started (epoch ms). */
  startedAt: number;
  /** URLs last fetched before this (epoch ms) were revisited. */
  before: number;
  /** URLs done in this recrawl (revisited, or new since the last one). */
  done: number;
  /** URLs still to do. */
  pending: number;
}
