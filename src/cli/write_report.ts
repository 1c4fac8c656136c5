/**
 * `--report FILE`: the crawl's (or check's) report written as one HTML page
 * at the end. A full disk is a `DiskFullError` naming the file.
 *
 * @module
 */
import { asDiskFull } from "../io/disk_full_error.ts";
import type { CrawlReport } from "../report/crawl_report.ts";
import { renderReport, type ReportMeta } from "../report/render_html.ts";

/**
 * Renders `report` and writes it to `path` (replacing the file).
 *
 * @example Usage
 * ```ts ignore
 * await writeReport("report.html", report, { title: "trawl crawl", seeds, generatedAt: Date.now() });
 * ```
 *
 * @param path The `--report` file.
 * @param report The aggregates.
 * @param meta The heading, seeds and time.
 * @returns When the file is written.
 * @throws {DiskFullError} When the disk is full.
 */
export async function writeReport(
  path: string,
  report: CrawlReport,
  meta: ReportMeta,
): Promise<void> {
  try {
    await Deno.writeTextFile(path, renderReport(report, meta));
  } catch (err) {
    throw asDiskFull(err, path);
  }
}
