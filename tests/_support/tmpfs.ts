/**
 * A small tmpfs for full-disk tests: `mount -t tmpfs` needs root (CI runs
 * as root), so {@linkcode canMount} says whether the tests can run.
 *
 * @module
 */

/** A mounted tmpfs; disposing unmounts and removes it. */
export interface Tmpfs extends AsyncDisposable {
  /** Where it is mounted. */
  dir: string;
}

async function run(...args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command(args[0], {
    args: args.slice(1),
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  }
}

/**
 * Mounts a tmpfs of `size` (`"600k"`) at a new temporary directory.
 *
 * @param size Its size, as `mount -o size=` takes it.
 * @returns The mounted file system.
 */
export async function tmpfs(size: string): Promise<Tmpfs> {
  const dir = await Deno.makeTempDir({ prefix: "trawl-full-" });
  try {
    await run("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir);
  } catch (err) {
    await Deno.remove(dir);
    throw err;
  }
  return {
    dir,
    async [Symbol.asyncDispose]() {
      await run("umount", dir);
      await Deno.remove(dir);
    },
  };
}

/** Whether this process may mount a tmpfs. */
export const canMount: boolean = await (async () => {
  try {
    await using _ = await tmpfs("64k");
    return true;
  } catch {
    return false;
  }
})();
