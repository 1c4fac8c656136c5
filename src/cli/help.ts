/**
 * The `--help` texts: the flags and their defaults are printed from the
 * table of {@linkcode FLAGS}.
 *
 * @module
 */
import { type Flag, type FlagGroup, FLAGS } from "./flags.ts";

/** The width `--help` wraps its lines to. */
const WIDTH = 80;
/** Where a flag's description starts. */
const TEXT_COLUMN = 25;

const GROUPS: readonly FlagGroup[] = ["Crawl", "Requests", "Content", "Output"];

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
  const sections = GROUPS.map((group) =>
    `${group}:\n${
      FLAGS.filter((f) => f.group === group).map(describeFlag).join("")
    }`
  );
  return `trawl ${version}: a polite, concurrent web crawler. Writes one JSON result per line.

Usage:
  deno run --allow-net=HOSTS cli.ts [options] <url>...

${sections.join("\n")}
${FOOTER}`;
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

const FOOTER =
  `Progress is shown on stderr when it is a terminal; a summary is printed to stderr
at the end. Colors follow NO_COLOR. Ctrl-C stops gracefully (results so far are
kept, exit code 130); a second Ctrl-C exits at once.

Exit codes: 0 done, 1 unexpected error, 2 bad usage or missing permission,
130 interrupted.

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
  --allow-net=HOST:PORT  with --frontier redis://HOST:PORT/DB

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
