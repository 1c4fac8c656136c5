/**
 * How `--help` shows the flags' defaults, shared by every part of the flag
 * table.
 *
 * @module
 */

/** What `--help` shows for a switch that is off unless given. */
export const OFF = "off";

/**
 * A default as `--help` shows it: `Infinity` is "unlimited", a string with
 * spaces is quoted.
 *
 * @example Usage
 * ```ts
 * import { showDefault } from "./flag_defaults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(showDefault(Infinity), "unlimited");
 * assert.equal(showDefault("host"), "host");
 * ```
 *
 * @param value The default.
 * @returns Its text.
 */
export function showDefault(value: number | string): string {
  if (value === Infinity) return "unlimited";
  if (typeof value === "string" && /\s/.test(value)) {
    return JSON.stringify(value);
  }
  return String(value);
}
