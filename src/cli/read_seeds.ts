/**
 * Reading `--seeds FILE` (or stdin for `-`).
 *
 * @module
 */
import { granted } from "./permissions.ts";
import { parseSeedList } from "./seeds.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Reads the seeds of `--seeds FILE`, or of stdin for `-`.
 *
 * @example Usage
 * ```ts ignore
 * const seeds = await readSeeds("seeds.txt");
 * ```
 *
 * @param path The file, or `-`.
 * @returns The seed URLs.
 * @throws {UsageError} When the file cannot be read or a line is not a URL.
 */
export async function readSeeds(path: string): Promise<string[]> {
  let text: string;
  try {
    text = path === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(path);
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      (err instanceof Deno.errors.PermissionDenied &&
        !(await granted({ name: "read", path })))
    ) {
      throw new UsageError(
        `cannot read ${path}: run with --allow-read=${path}`,
        { cause: err },
      );
    }
    const name = path === "-" ? "stdin" : path;
    throw new UsageError(
      `cannot read seeds file ${name}: ${
        err instanceof Error ? err.message : err
      }`,
      { cause: err },
    );
  }
  return parseSeedList(text, path);
}
