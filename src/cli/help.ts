/**
 * The `--help` texts: the flags and their defaults are printed from the
 * table of {@linkcode FLAGS}.
 *
 * @module
 */
import { CHECK_FLAGS, type Flag, type FlagGroup, FLAGS } from "./flags.ts";

/** The width `--help` wraps its lines to. */
const WIDTH = 80;
/** Where a flag's description starts. */
const TEXT_COLUMN = 25;

const GROUPS: readonly FlagGroup[] = [
  "Check",
  "Crawl",
  "Requests",
  "Content",
  "Output",
];

/**
 * The `--help` text.
 *
 * @example Usage
 * ```ts
 * import { helpText } from "./help.ts";
 *
 * console.log(helpText("0.1.0"));
 * ```
 *
 * @param version The package version shown in the first line.
 * @returns Multi-line help, ending with a newline.
 */
export function helpText(version: string): string {
  return `trawl ${version}: a polite, concurrent web crawler. Writes one JSON result per line.

Usage:
  deno run --allow-net=HOSTS cli.ts [options] <url>...

${sections(FLAGS)}
${FOOTER}`;
}

/** The flags, section by section (empty sections left out). */
function sections(flags: readonly Flag[]): string {
  return GROUPS.flatMap((group) => {
    const listed = flags.filter((f) => f.group === group);
    return listed.length === 0
      ? []
      : [`${group}:\n${listed.map(describeFlag).join("")}`];
  }).join("\n");
}

/**
 * The text of `trawl check --help`.
 *
 * @example Usage
 * ```ts
 * import { checkHelpText } from "./help.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(checkHelpText("0.1.0"), /--accept RANGES/);
 * ```
 *
 * @param version The version to show.
 * @returns The help text, ending with a newline.
 */
export function checkHelpText(version: string): string {
  return `trawl ${version} check: crawls a site and checks every link, image, stylesheet,
script, frame and #fragment on its pages. Writes one JSON line per broken link.

Usage:
  deno run --allow-net=HOSTS cli.ts check [options] <url>...

${sections(CHECK_FLAGS)}
References outside the crawl's scope are checked with one request each (HEAD,
then GET when HEAD is refused), politely and as robots.txt allows.

${EXIT_CODES}`;
}

/**
 * A flag as `--help` lists it: its usage, then its text and default wrapped
 * in a column.
 *
 * @example Usage
 * ```ts
 * import { describeFlag } from "./help.ts";
 * import { flagsNamed } from "./flags.ts";
 *
 * console.log(describeFlag(flagsNamed("concurrency")[0]));
 * ```
 *
 * @param flag The flag.
 * @returns Its lines, each ending with a newline.
 */
export function describeFlag(flag: Flag): string {
  const usage = `${
    flag.short === undefined ? "" : `-${flag.short}, `
  }--${flag.name}${flag.arg === undefined ? "" : ` ${flag.arg}`}`;
  // "(default: …)" stays on one line when it fits one.
  const shown = flag.default === undefined
    ? []
    : [`(default: ${flag.default})`];
  const words = [...flag.help.split(" "), ...shown.flatMap(unbreakable)];
  const lines: string[] = [];
  let line = `  ${usage}`.padEnd(TEXT_COLUMN - 1);
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = " ".repeat(TEXT_COLUMN - 1);
      empty = true;
    }
    line += ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => `${l}\n`).join("");
}

/** `text` as one word when it fits a line, else its words. */
function unbreakable(text: string): string[] {
  return text.length <= WIDTH - TEXT_COLUMN ? [text] : text.split(" ");
}

const EXIT_CODES = `Exit codes:
  0    the crawl ran (even with some 4xx/5xx pages); check: nothing broken
  1    no seed could be fetched; check: broken links found; unexpected error
  2    bad usage or missing permission
  3    state or frontier error (no state, state locked or another crawl's,
       Redis gone or silent past --redis-timeout, wrong Redis settings, the
       crawl lost by Redis, disk full)
  130  interrupted (Ctrl-C)    143  terminated (SIGTERM)
`;

const FOOTER =
  `Progress is shown on stderr when it is a terminal; a summary is printed to stderr
at the end. Colors follow NO_COLOR. Ctrl-C stops gracefully (results so far are
kept, exit code 130); so does SIGTERM (exit code 143; a shared crawl's leased
URLs go back at once); a second one exits at once.

${EXIT_CODES}
Permissions:
  --allow-net=HOSTS      every host to crawl (the seeds' hosts; more with
                         --scope domain|any), e.g. --allow-net=example.com
  --allow-write=FILE     with --out FILE
  --allow-read=FILE      with --seeds FILE (not needed for "--seeds -")
  --allow-read=DIR       with --extract DIR/FILE (and what it imports)
  --allow-read=DIR --allow-write=DIR
                         with --state DIR/crawl.db: SQLite also writes crawl.db-wal,
                         crawl.db-shm and crawl.db.lock beside it; with --state
                         the --out file needs read access too
  --allow-net=HOST:PORT  with --frontier redis://HOST:PORT/DB (every node of a
                         cluster)
  --allow-read=FILE      with --redis-ca FILE

Examples:
  deno run --allow-net=example.com cli.ts https://example.com/
  deno run --allow-net=example.com --allow-write=out.jsonl cli.ts \\
    --max-pages 100 --out out.jsonl https://example.com/
  deno run --allow-net=example.com cli.ts --rate 0.5 --exclude "/private/*" \\
    --include "/\\/docs\\//" https://example.com/docs/
  cat urls.txt | deno run --allow-net cli.ts --seeds - --max-depth 0 --quiet
  deno run --allow-net=example.com --allow-read=. --allow-write=. cli.ts \\
    --state crawl.db --out out.jsonl https://example.com/   # again to resume
  deno run --allow-read=. --allow-write=. cli.ts status --state crawl.db
`;

/**
 * The `status --help` text.
 *
 * @example Usage
 * ```ts
 * import { statusHelpText } from "./help.ts";
 *
 * console.log(statusHelpText());
 * ```
 *
 * @returns The help text.
 */
export function statusHelpText(): string {
  return `Usage:
  deno run --allow-read=DIR --allow-write=DIR cli.ts status --state PATH [--json]
  deno run --allow-net=HOST cli.ts status --frontier redis://HOST:PORT/DB --crawl NAME [--json]

Prints a crawl's progress without crawling: URLs done and pending, failures
by reason, and per host (and per process for a shared crawl).
`;
}
