/**
 * Test helper: runs `cli.ts` as a subprocess, as users run it, with a time
 * limit, and kills it on disposal if it still runs.
 */
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The command's file. */
export const CLI: string = fileURLToPath(
  new URL("../../cli.ts", import.meta.url),
);

/** What a finished `cli.ts` left. */
export interface Exit {
  /** Its exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** Its stdout, then its stderr. */
  text: string;
}

/** A running `cli.ts`; disposing of it kills it if it still runs. */
export interface Cli extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** Settles when the child has exited and its pipes are drained. */
  output: Promise<Exit>;
  /** Whether it has exited. */
  readonly exited: boolean;
}

/**
 * Starts `deno run --quiet PERMS cli.ts ARGS` in the repository's root, with
 * `NO_COLOR`, killed after `limitMs`.
 *
 * @param args The command's arguments.
 * @param perms Deno's permission flags.
 * @param limitMs The time limit.
 * @param env More environment variables.
 * @returns The running command.
 */
export function startCli(
  args: string[],
  perms: string[],
  limitMs: number,
  env: Record<string, string> = {},
): Cli {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...perms, CLI, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
    signal: controller.signal,
  }).spawn();
  let exited = false;
  const output = child.output().then((o) => {
    exited = true;
    const decoder = new TextDecoder();
    return {
      code: o.code,
      signal: o.signal,
      text: decoder.decode(o.stdout) + decoder.decode(o.stderr),
    };
  }).finally(() => clearTimeout(timer));
  return {
    child,
    output,
    get exited() {
      return exited;
    },
    async [Symbol.asyncDispose]() {
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // It has just exited.
        }
      }
      await output;
    },
  };
}
