/**
 * Whether a worker could load its code: the permission flag it lacks.
 *
 * @module
 */

/**
 * Where the runtime can say so (Deno's permission API, which never prompts
 * on `querySync`), the permission flag a worker would need to load `url`
 * and the modules beside it, or `undefined` when it can load (or the
 * runtime cannot tell). For a `file:` URL that is read access to its folder.
 *
 * @example Usage
 * ```ts
 * import { missingWorkerPermission } from "./worker_permission.ts";
 *
 * console.log(missingWorkerPermission(new URL("../parse/", import.meta.url)));
 * ```
 *
 * @param url The worker module, or a folder URL (ending in `/`) it loads from.
 * @returns The flag to add, e.g. `--allow-read=/app/src`, or `undefined`.
 */
export function missingWorkerPermission(url: URL): string | undefined {
  // deno-lint-ignore no-explicit-any
  const perms = (globalThis as any).Deno?.permissions;
  if (typeof perms?.querySync !== "function") return undefined;
  try {
    if (url.protocol === "file:") {
      const dir = decodeURIComponent(new URL(".", url).pathname);
      const state = perms.querySync({ name: "read", path: dir }).state;
      return state === "granted"
        ? undefined
        : `--allow-read=${dir.replace(/\/$/, "")}`;
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
      const state = perms.querySync({ name: "net", host: url.host }).state;
      return state === "granted" ? undefined : `--allow-net=${url.host}`;
    }
  } catch {
    // An unknown permission shape: let the pool try.
  }
  return undefined;
}
