/**
 * The `save` folder: each body fetched with a 2xx status, whole, written
 * under `DIR/HOST/PATH` (see `savePath`), like `wget -x`.
 *
 * @module
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import { ArchiveError } from "./archive_error.ts";
import type { Exchange, ExchangeSink, RecordOptions } from "./exchange.ts";
import { savePath } from "./save_path.ts";

/**
 * Writes fetched bodies into a folder. A file is written to a temporary
 * name beside it (`^t…`, a name no URL maps to) and renamed into place, so
 * a crash never leaves half a file under a URL's name; a body fetched again
 * replaces it. Redirects, other non-2xx responses and bodies cut at the
 * byte cap are not saved.
 *
 * @example Save a page
 * ```ts ignore
 * import { Mirror } from "./mirror.ts";
 *
 * const mirror = new Mirror("site");
 * await mirror.record(exchange); // site/example.com/docs/index.html
 * ```
 */
export class Mirror implements ExchangeSink {
  /** The folder. */
  readonly dir: string;
  /** Folders known to exist. */
  readonly #made = new Set<string>();

  /**
   * Names the folder (created when the first file is written).
   *
   * @param dir The folder.
   */
  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Creates the folder now, so a path that cannot be written fails before
   * the crawl starts.
   *
   * @throws {ArchiveError} When the folder cannot be created.
   */
  async open(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw ArchiveError.from(this.dir, err);
    }
  }

  /**
   * Saves the body of `exchange`, when it is a whole 2xx body.
   *
   * @param exchange The exchange.
   * @param options Cancels the write.
   * @throws {ArchiveError} When the file cannot be written.
   */
  async record(exchange: Exchange, options?: RecordOptions): Promise<void> {
    if (exchange.status < 200 || exchange.status >= 300) return;
    if (exchange.truncated) return;
    const path = join(this.dir, savePath(exchange.url));
    const folder = dirname(path);
    const temp = join(folder, `^t${randomUUID()}`);
    try {
      if (!this.#made.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.#made.add(folder);
      }
      await writeFile(temp, exchange.body, { signal: options?.signal });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      if (options?.signal?.aborted) throw options.signal.reason;
      throw ArchiveError.from(path, err);
    }
  }
}
