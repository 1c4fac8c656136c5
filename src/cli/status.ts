/**
 * Formats a {@linkcode CrawlStatus} for `trawl status`.
 *
 * @module
 */
import type { CrawlStatus, RecrawlStatus } from "../frontier/status.ts";

/** Hosts listed at most; the rest are summed in one line. */
const MAX_HOSTS = 20;

/**
 * Formats a crawl's status as a few aligned lines of text.
 *
 * @example Usage
 * ```ts
 * import { formatStatus } from "./status.ts";
 *
 * console.log(formatStatus({
 *   location: "crawl.db", seeds: ["https://example.com/"], accepted: 3,
 *   done: 2, pending: 1, byStatusClass: { "2xx": 2 }, errors: {}, skipped: {},
 *   hosts: [{ host: "example.com", done: 2, pending: 1, failed: 0 }],
 * }));
 * ```
 *
 * @param status The status to show.
 * @returns Text ending in a newline.
 */
export function formatStatus(status: CrawlStatus): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const lines = [
    `crawl     ${status.location}`,
    `seeds     ${status.seeds.join(" ")}`,
    `accepted  ${n(status.accepted)}`,
    `done      ${n(status.done)}${
      status.accepted > 0
        ? ` (${(100 * status.done / status.accepted).toFixed(1)}%)`
        : ""
    }`,
    `pending   ${n(status.pending)}${
      status.leased !== undefined ? ` (${n(status.leased)} leased now)` : ""
    }`,
  ];
  if (status.recrawl) lines.push(recrawlLine(status.recrawl));
  const classes = Object.entries(status.byStatusClass);
  if (classes.length > 0) {
    lines.push(
      `status    ${classes.map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
    );
  }
  const errors = Object.entries(status.errors);
  if (errors.length > 0) {
    lines.push(
      `errors    ${errors.map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
    );
  }
  const skipped = Object.entries(status.skipped);
  if (skipped.length > 0) {
    lines.push(
      `skipped   ${skipped.map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
    );
  }
  if (status.hosts.length > 0) {
    const shown = status.hosts.slice(0, MAX_HOSTS);
    const width = Math.max(4, ...shown.map((h) => h.host.length));
    lines.push(
      "",
      `${"host".padEnd(width)}  ${"done".padStart(9)}  ${
        "pending".padStart(9)
      }  ${"failed".padStart(9)}`,
    );
    for (const h of shown) {
      lines.push(
        `${h.host.padEnd(width)}  ${n(h.done).padStart(9)}  ${
          n(h.pending).padStart(9)
        }  ${n(h.failed).padStart(9)}`,
      );
    }
    const rest = status.hosts.slice(MAX_HOSTS);
    if (rest.length > 0) {
      const sum = (k: "done" | "pending" | "failed") =>
        n(rest.reduce((a, h) => a + h[k], 0));
      lines.push(
        `${`(${rest.length} more hosts)`.padEnd(width)}  ${
          sum("done").padStart(9)
        }  ${sum("pending").padStart(9)}  ${sum("failed").padStart(9)}`,
      );
    }
  }
  if (status.processes && status.processes.length > 0) {
    lines.push(
      "",
      "process                          done    leased  last seen",
    );
    for (const p of status.processes) {
      const ago = Math.max(0, Math.round((Date.now() - p.lastSeen) / 1000));
      lines.push(
        `${`${p.id} (${p.hostname} pid ${p.pid})`.padEnd(30)}  ${
          n(p.done).padStart(6)
        }  ${n(p.leased).padStart(8)}  ${ago}s ago${p.alive ? "" : " (gone)"}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The `recrawl` line: which recrawl, when it started, how far it is. */
function recrawlLine(r: RecrawlStatus): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const total = r.done + r.pending;
  const share = total > 0 ? ` (${(100 * r.done / total).toFixed(1)}%)` : "";
  return `recrawl   ${r.generation}, started ${
    new Date(r.startedAt).toISOString()
  }: ${n(r.done)} of ${n(total)} done${share}, ${n(r.pending)} pending`;
}
