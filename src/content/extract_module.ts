/**
 * The extraction hook's module: where it is, and loading it once per
 * thread with errors that say what to fix.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { cwd } from "node:process";
import { pathToFileURL } from "node:url";
import { ExtractModuleError } from "./extract_error.ts";
import type { Page } from "./page.ts";

/** The default export of an extract module. */
export type ExtractFunction = (page: Page) => unknown;

/** A URL scheme (`file:`, `https:`, `npm:`, `jsr:`), not a Windows drive. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;
/** Deno's message for a permission a dynamic import lacks. */
const DENIED = /Requires (\w+) access to "([^"]+)"/;
const NOT_FOUND = /Module not found "([^"]+)"/;

/**
 * The URL of an extract module: a `URL` or a specifier with a scheme as
 * given, anything else a path resolved against the working directory (as
 * the CLI's `--extract FILE`).
 *
 * @example
 * ```ts
 * import { extractModuleUrl } from "./extract_module.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(extractModuleUrl("file:///app/hook.ts"), "file:///app/hook.ts");
 * assert.ok(extractModuleUrl("hook.ts").endsWith("/hook.ts"));
 * ```
 *
 * @param specifier The `extract` option.
 * @returns The module's URL.
 */
export function extractModuleUrl(specifier: string | URL): string {
  if (specifier instanceof URL) return specifier.href;
  if (SCHEME.test(specifier)) return specifier;
  return pathToFileURL(resolve(cwd(), specifier)).href;
}

/** What failed to load, as an {@linkcode ExtractModuleError}. */
function loadError(url: string, error: unknown): ExtractModuleError {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n")[0];
  const denied = DENIED.exec(message);
  if (denied !== null) {
    const [, kind, what] = denied;
    const flag = kind === "read"
      ? `--allow-read=${dirname(what)}`
      : `--allow-${kind}=${what}`;
    return new ExtractModuleError(
      url,
      "permission",
      `${kind} access to "${what}" is missing: run again with ${flag}`,
      flag,
      { cause: error },
    );
  }
  const missing = NOT_FOUND.exec(message);
  if (missing !== null && missing[1] === url) {
    return new ExtractModuleError(
      url,
      "not-found",
      "no module there",
      undefined,
      {
        cause: error,
      },
    );
  }
  return new ExtractModuleError(
    url,
    "load",
    `it failed to load: ${first}`,
    undefined,
    {
      cause: error,
    },
  );
}

const loaded = new Map<string, Promise<ExtractFunction>>();

async function load(url: string): Promise<ExtractFunction> {
  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (error) {
    throw loadError(url, error);
  }
  if (typeof mod.default !== "function") {
    throw new ExtractModuleError(
      url,
      "no-default",
      `its default export must be a function: current value is ${typeof mod
        .default}`,
    );
  }
  return mod.default as ExtractFunction;
}

/**
 * The hook of the module at `url`, loaded once per thread (a parse worker
 * loads it at its first page; the crawl loads it before starting, so a
 * module that cannot be used stops the crawl before any request).
 *
 * @example Checking a module
 * ```ts
 * import { loadExtract } from "./extract_module.ts";
 * import { ExtractModuleError } from "./extract_error.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   loadExtract("file:///nowhere/hook.ts"),
 *   (e) => e instanceof ExtractModuleError && e.problem !== "no-default",
 * );
 * ```
 *
 * @param url The module's URL (see {@linkcode extractModuleUrl}).
 * @returns Its default export.
 * @throws {ExtractModuleError} When it cannot be found, read or loaded, or
 *   its default export is not a function.
 */
export function loadExtract(url: string): Promise<ExtractFunction> {
  let hook = loaded.get(url);
  if (hook === undefined) {
    hook = load(url);
    loaded.set(url, hook);
  }
  return hook;
}
