/**
 * The flags of what a crawl writes besides its results: `--warc`,
 * `--warc-max-size`, `--save` and `--report`, rows of the flag table.
 *
 * @module
 */
import { DEFAULTS } from "../crawler/defaults.ts";
import { POSITIVE_INT } from "../options/validate.ts";
import { OFF, showDefault } from "./flag_defaults.ts";
import { fileName, integer } from "./flag_parsers.ts";
import type { Flag } from "./flags.ts";

/** The archive and report flags, in `--help` order. */
export const ARCHIVE_FLAGS: readonly Flag[] = [
  {
    name: "warc",
    arg: "FILE",
    group: "Output",
    sets: "options.warc",
    parse: fileName("a file"),
    help: "archive every request and response in WARC files: " +
      "crawl.warc.gz writes crawl-00000.warc.gz, crawl-00001.warc.gz...; " +
      "replaced unless --state/--frontier continues the crawl (then each " +
      "page is archived once across all runs)",
    default: OFF,
  },
  {
    name: "warc-max-size",
    arg: "BYTES",
    group: "Output",
    sets: "options.warcMaxSize",
    parse: integer(POSITIVE_INT),
    needs: { oneOf: ["warc"], text: "--warc FILE" },
    help: "start a new WARC file past this size",
    default: showDefault(DEFAULTS.warcMaxSize),
  },
  {
    name: "save",
    arg: "DIR",
    group: "Output",
    sets: "options.save",
    parse: fileName("a folder"),
    help: "save each body fetched under DIR/HOST/PATH, like wget -x",
    default: OFF,
  },
  {
    name: "report",
    arg: "FILE",
    group: "Output",
    sets: "report",
    parse: fileName("a file"),
    help: "also write a report people can read: one self-contained HTML " +
      "page (totals, statuses, errors, timings, hosts, slowest pages, " +
      "broken links, redirects)",
    default: "none",
  },
];
