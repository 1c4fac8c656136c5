/**
 * The rules of the crawl options that take one of a few words, apart from
 * `resolve_options.ts` so that the CLI's flag table can use them without
 * loading the crawler.
 *
 * @module
 */
import type { StateMode } from "../frontier/store.ts";
import { oneOf, type Rule } from "../options/validate.ts";
import { LOG_LEVELS, type LogLevel } from "../telemetry/log.ts";
import type { CrawlOptions } from "./options.ts";

/** The scopes a crawl can have. */
export const SCOPE: Rule<NonNullable<CrawlOptions["scope"]>> = oneOf(
  ["host", "domain", "origin", "any"] as const,
);
/** The worker permission modes. */
export const WORKER_PERMISSIONS: Rule<"inherit" | "none"> = oneOf(
  ["inherit", "none"] as const,
);
/** The log levels. */
export const LOG_LEVEL: Rule<LogLevel> = oneOf(
  Object.keys(LOG_LEVELS) as LogLevel[],
);
/** The `logLevel` option: a log level, or `"silent"`. */
export const LOG_LEVEL_OPTION: Rule<LogLevel | "silent"> = oneOf(
  [...Object.keys(LOG_LEVELS) as LogLevel[], "silent"],
);
/** The state modes. */
export const STATE_MODE: Rule<StateMode> = oneOf(
  ["auto", "resume", "fresh"] as const,
);
