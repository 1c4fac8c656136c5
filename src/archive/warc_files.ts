/**
 * The files of one archive: `NAME-00000.warc.gz`, `NAME-00001.warc.gz`…
 * (with a worker id, `NAME-WORKER-00000.warc.gz`), numbered in the order
 * they were written, a new one at each rotation and each resumed run.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Digits of a file's number (more when it grows past them). */
const DIGITS = 5;

/**
 * The naming of an archive's files.
 *
 * @example
 * ```ts
 * import { WarcFiles } from "./warc_files.ts";
 * import assert from "node:assert/strict";
 *
 * const files = new WarcFiles("out/crawl.warc.gz");
 * assert.equal(files.path(3), "out/crawl-00003.warc.gz");
 * assert.equal(files.indexOf("crawl-00003.warc.gz"), 3);
 * assert.equal(new WarcFiles("crawl", "w/1").name(0), "crawl-w%2F1-00000.warc.gz");
 * ```
 */
export class WarcFiles {
  /** The folder the files are in. */
  readonly dir: string;
  readonly #prefix: string;
  readonly #pattern: RegExp;

  /**
   * Names the files of the archive `path`.
   *
   * @param path What the user gave: `NAME.warc.gz`, `NAME.warc` or `NAME`.
   * @param worker This process's id in a shared crawl, put in every name.
   */
  constructor(path: string, worker?: string) {
    this.dir = dirname(path);
    const stem = basename(path).replace(/(\.warc)?(\.gz)?$/i, "");
    this.#prefix = worker === undefined
      ? stem
      : `${stem}-${encodeURIComponent(worker)}`;
    const quoted = this.#prefix.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
    this.#pattern = new RegExp(`^${quoted}-(\\d{${DIGITS},})\\.warc\\.gz$`);
  }

  /**
   * The name of file `index`.
   *
   * @param index The file's number.
   * @returns Its name.
   */
  name(index: number): string {
    return `${this.#prefix}-${String(index).padStart(DIGITS, "0")}.warc.gz`;
  }

  /**
   * The path of file `index`.
   *
   * @param index The file's number.
   * @returns Its path.
   */
  path(index: number): string {
    return join(this.dir, this.name(index));
  }

  /**
   * The number of a file of this archive, by name.
   *
   * @param name A file name.
   * @returns Its number, or `undefined` when it is not one of the files.
   */
  indexOf(name: string): number | undefined {
    const m = this.#pattern.exec(name);
    return m ? Number(m[1]) : undefined;
  }

  /**
   * The numbers of the files that exist, ascending.
   *
   * @returns The numbers (none when the folder does not exist).
   */
  async existing(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return [];
      throw err;
    }
    const out: number[] = [];
    for (const name of names) {
      const index = this.indexOf(name);
      if (index !== undefined) out.push(index);
    }
    return out.sort((a, b) => a - b);
  }
}
