/**
 * What the command checks of its Deno permissions before it starts.
 *
 * @module
 */
import { dirname } from "node:path";
import { ExtractModuleError } from "../content/extract_error.ts";
import { extractModuleUrl, loadExtract } from "../content/extract_module.ts";
import { seedHosts } from "./seeds.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Whether a permission is granted (never prompts; `false` when it cannot be
 * asked).
 *
 * @example Usage
 * ```ts
 * import { granted } from "./permissions.ts";
 *
 * console.log(await granted({ name: "net", host: "127.0.0.1" }));
 * ```
 *
 * @param descriptor The permission.
 * @returns Whether it is granted.
 */
export async function granted(
  descriptor: Deno.PermissionDescriptor,
): Promise<boolean> {
  try {
    return (await Deno.permissions.query(descriptor)).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Checks that the archive's folders may be read and written: the folder of
 * `--warc` (its files are listed, and read back when a crawl resumes) and
 * the `--save` folder.
 *
 * @example Usage
 * ```ts ignore
 * await checkArchivePermission({ warc: "out/crawl.warc.gz" });
 * ```
 *
 * @param options The `warc` and `save` options.
 * @throws {UsageError} Naming the flags to run with.
 */
export async function checkArchivePermission(
  options: { warc?: string; save?: string },
): Promise<void> {
  const folders = [
    ...(options.warc === undefined ? [] : [dirname(options.warc)]),
    ...(options.save === undefined ? [] : [options.save]),
  ];
  const missing: string[] = [];
  for (const path of folders) {
    if (
      !(await granted({ name: "read", path })) ||
      !(await granted({ name: "write", path }))
    ) {
      missing.push(path);
    }
  }
  if (missing.length > 0) {
    const list = missing.join(",");
    throw new UsageError(
      `cannot write the archive in ${
        missing.join(" and ")
      }: run with --allow-read=${list} --allow-write=${list}`,
    );
  }
}

/**
 * Checks that every seed's host may be reached.
 *
 * @example Usage
 * ```ts ignore
 * await checkNetPermission(["https://example.com/"]);
 * ```
 *
 * @param seeds The seed URLs.
 * @throws {UsageError} Naming the `--allow-net=` to run with.
 */
export async function checkNetPermission(
  seeds: readonly string[],
): Promise<void> {
  const missing = new Set<string>();
  for (const seed of seeds) {
    const url = new URL(seed);
    if (!(await granted({ name: "net", host: url.host }))) {
      missing.add(url.hostname);
    }
  }
  if (missing.size > 0) {
    throw new UsageError(
      `no network access to ${[...missing].join(", ")}: run with --allow-net=${
        seedHosts(seeds).join(",")
      }`,
    );
  }
}

/**
 * Checks that the `--extract` module can be used: it exists, this process
 * may read it (and what it imports), it loads, and its default export is a
 * function.
 *
 * @example Usage
 * ```ts ignore
 * await checkExtractModule("hooks/title.ts");
 * ```
 *
 * @param extract The `--extract` value.
 * @throws {UsageError} Saying what is wrong; for a missing permission,
 *   naming the `--allow-read=…` to run with.
 */
export async function checkExtractModule(extract: string): Promise<void> {
  try {
    await loadExtract(extractModuleUrl(extract));
  } catch (err) {
    if (err instanceof ExtractModuleError) {
      throw new UsageError(err.message, { cause: err });
    }
    throw err;
  }
}
