/**
 * `trawl check URL…`: a link check. Broken links go to stdout (or `--out`)
 * as JSON lines, `{ url, status, error?, referrers }`, with every page that
 * has each; a summary grouped by page goes to stderr. Exit code 0 when
 * nothing is broken, 1 when something is, 130/143 when interrupted.
 *
 * @module
 */
import type { CheckOptions } from "../check/check_options.ts";
import type { BrokenLink } from "../check/link_book.ts";
import type { CheckStats } from "../check/link_checker.ts";
import { asDiskFull } from "../io/disk_full_error.ts";
import { CrawlReport } from "../report/crawl_report.ts";
import type { CliConfig } from "./args.ts";
import { EXIT } from "./exit_codes.ts";
import { CrawlStop, type Interrupts } from "./interrupts.ts";
import { writeAll } from "./output/write_all.ts";
import { Reporter } from "./reporter.ts";
import { errorMessage, writeStderr } from "./terminal.ts";
import { UsageError } from "./usage_error.ts";
import { writeReport } from "./write_report.ts";

/**
 * Checks the links as the command line says and resolves to the exit code.
 *
 * @example Usage
 * ```ts ignore
 * const code = await checkCommand(parseCliArgs(argv, CHECK_FLAGS), processInterrupts);
 * ```
 *
 * @param config The command line (its `options` hold the check's too).
 * @param interrupts Where Ctrl-C and SIGTERM come from.
 * @returns 0 nothing broken, 1 broken links, 130/143 interrupted.
 * @throws {UsageError} When an option is refused.
 */
export async function checkCommand(
  config: CliConfig,
  interrupts: Interrupts,
): Promise<number> {
  const { LinkChecker } = await import("../check/link_checker.ts");
  const reporter = new Reporter(config);
  const report = config.report ? new CrawlReport() : undefined;
  using stop = new CrawlStop(interrupts, reporter);
  let checker;
  try {
    checker = new LinkChecker(config.seeds, {
      ...config.options as CheckOptions,
      signal: stop.signal,
      onLog: (record) => {
        report?.noteLog(record);
        reporter.log(record);
      },
      onResult: report && ((result) => report.add(result)),
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new UsageError(errorMessage(err), { cause: err });
    }
    throw err;
  }
  stop.listen();
  reporter.startProgress(() => checker.crawlStats);
  const broken: BrokenLink[] = [];
  try {
    for await (const link of checker.run()) broken.push(link);
  } catch (err) {
    if (!(stop.signal.aborted && stop.interrupted)) throw err;
  } finally {
    await reporter.stopProgress();
  }
  await writeBroken(config.out, broken);
  if (!reporter.quiet) writeStderr(summarize(broken, checker.stats));
  if (report) {
    for (const link of broken) report.addBroken(link);
    await writeReport(config.report!, report, {
      title: "trawl check",
      seeds: config.seeds,
      generatedAt: Date.now(),
      interrupted: stop.interrupted,
    });
  }
  if (stop.interrupted) return stop.exitCode;
  return broken.length > 0 ? EXIT.failed : EXIT.ok;
}

/** The broken links as JSON lines, to `--out` or stdout. */
async function writeBroken(
  out: string | undefined,
  broken: readonly BrokenLink[],
): Promise<void> {
  const text = broken.map((link) => JSON.stringify(link) + "\n").join("");
  const bytes = new TextEncoder().encode(text);
  try {
    if (out === undefined) {
      await writeAll(Deno.stdout, bytes);
    } else {
      await Deno.writeFile(out, bytes);
    }
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) return;
    throw asDiskFull(err, out ?? "stdout");
  }
}

/**
 * The check's summary for people: the broken links grouped by the page that
 * has them, then the counts.
 *
 * @example
 * ```ts
 * import { summarize } from "./check_command.ts";
 * import assert from "node:assert/strict";
 *
 * const text = summarize(
 *   [{ url: "https://a.test/x", status: 404, referrers: [{ page: "https://a.test/", text: "x" }] }],
 *   { pages: 1, references: 3, checked: 3, ok: 2, broken: 1, skipped: {}, unchecked: 0, excluded: 0, fragments: 0, fragmentsUnchecked: 0, requests: 1, pending: 0 },
 * );
 * assert.match(text, /^trawl: 1 broken link on 1 page/);
 * assert.match(text, /  https:\/\/a\.test\/\n    404 https:\/\/a\.test\/x "x"/);
 * ```
 *
 * @param broken The broken links.
 * @param stats The check's counters.
 * @returns Lines for stderr, ending with a newline.
 */
export function summarize(
  broken: readonly BrokenLink[],
  stats: CheckStats,
): string {
  const byPage = new Map<string, string[]>();
  for (const link of broken) {
    const what = link.error
      ? `${
        link.status || "---"
      } ${link.url} (${link.error.name}: ${link.error.message})`
      : `${link.status} ${link.url}`;
    for (const ref of link.referrers) {
      const lines = byPage.get(ref.page) ?? [];
      lines.push(
        `    ${what}${ref.text ? ` ${JSON.stringify(ref.text)}` : ""}`,
      );
      byPage.set(ref.page, lines);
    }
  }
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? "" : "s"}`;
  const head = broken.length === 0
    ? "trawl: no broken links"
    : `trawl: ${plural(broken.length, "broken link")} on ${
      plural(byPage.size, "page")
    }`;
  const pages = [...byPage].map(([page, lines]) =>
    `  ${page}\n${lines.join("\n")}\n`
  ).join("");
  const skipped = Object.entries(stats.skipped).map(([k, v]) => `${k} ${v}`);
  const counts = [
    `${plural(stats.pages, "page")} crawled`,
    `${plural(stats.checked, "URL")} checked (${stats.ok} fine)`,
    `${plural(stats.requests, "request")} for references outside the crawl`,
    `${stats.fragments} fragments checked`,
    ...(skipped.length ? [`skipped: ${skipped.join(", ")}`] : []),
    `${stats.unchecked} not checked (mailto:, tel:, javascript:, data:)`,
    ...(stats.excluded ? [`${stats.excluded} excluded`] : []),
    ...(stats.fragmentsUnchecked
      ? [`${stats.fragmentsUnchecked} fragments on pages not crawled`]
      : []),
  ];
  return `${head}\n${pages}trawl: ${counts.join(" · ")}\n`;
}
