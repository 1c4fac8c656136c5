/**
 * The rules of `SqliteStore`'s options, defined once (the crawler's `state`
 * option and the CLI's `--state` name the same file).
 *
 * @module
 */
import { matching, oneOf, type Rule } from "../../options/validate.ts";

/** A state file's path: not empty, and not SQLite's `:memory:`. */
export const STATE_PATH: Rule<string> = matching(
  /^(?!:memory:$)[^]+$/,
  "a file path other than ':memory:'",
);

/** `PRAGMA synchronous` levels a state file may use. */
export const SYNCHRONOUS: Rule<"normal" | "full"> = oneOf(
  ["normal", "full"] as const,
);
