/**
 * The `trawl` command: the arguments decide between `--help`, `--version`,
 * `status`, `check` and a crawl; a usage error is one line and exit code 2,
 * a state or frontier error 3, any other error 1 (see `exit_codes.ts`).
 * `cli.ts` is its entry point.
 *
 * @module
 */
import { type CliConfig, parseCliArgs } from "./args.ts";
import type { HeapLimits } from "./crawl_command.ts";
import { CHECK_FLAGS } from "./flags.ts";
import { checkHelpText, helpText } from "./help.ts";
import { type Interrupts, processInterrupts } from "./interrupts.ts";
import { writeAll } from "./output/write_all.ts";
import {
  checkArchivePermission,
  checkExtractModule,
  checkNetPermission,
} from "./permissions.ts";
import { readSeeds } from "./read_seeds.ts";
import { EXIT } from "./exit_codes.ts";
import { failure } from "./failure.ts";
import { printError } from "./terminal.ts";
import { UsageError } from "./usage_error.ts";

const EXIT_OK = EXIT.ok;
const EXIT_USAGE = EXIT.usage;

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  /**
   * Where Ctrl-C comes from: the first stops the crawl gracefully, a second
   * exits at once.
   *
   * @default {processInterrupts}
   */
  interrupts?: Interrupts;
  /**
   * The V8 heap limits this thread runs with (MiB), logged at debug level.
   *
   * @default {undefined} (the main thread: V8's own)
   */
  heap?: HeapLimits;
}

/**
 * Runs the `trawl` command in this thread and resolves to its exit code (it
 * does not exit). Writes results to stdout or `--out`; progress, logs and
 * the summary to stderr. `cli.ts` runs a crawl in a crawl thread when it can.
 *
 * @example Printing the version
 * ```ts ignore
 * import { runCommand } from "./command.ts";
 *
 * console.log(await runCommand(["--version"], "0.1.0")); // 0
 * ```
 *
 * @param argv The arguments without the program name, e.g. `Deno.args`.
 * @param version The version `--version` prints.
 * @param options Where Ctrl-C comes from, and the thread's heap limits.
 * @returns The exit code: 0 done, 1 nothing fetched, broken links or a
 * crash, 2 usage, 3 state, 130 interrupted, 143 terminated.
 */
export async function runCommand(
  argv: readonly string[],
  version: string,
  options: RunCommandOptions = {},
): Promise<number> {
  const { interrupts = processInterrupts, heap } = options;
  let config: CliConfig | undefined;
  try {
    if (argv[0] === "status") {
      const { statusCommand } = await import("./status_command.ts");
      return await statusCommand(argv.slice(1));
    }
    const check = argv[0] === "check";
    config = check
      ? parseCliArgs(argv.slice(1), CHECK_FLAGS)
      : parseCliArgs(argv);
    if (config.help || config.version) {
      const text = config.help
        ? (check ? checkHelpText(version) : helpText(version))
        : `trawl ${version}\n`;
      await writeAll(Deno.stdout, new TextEncoder().encode(text));
      return EXIT_OK;
    }
    if (config.seedsFile !== undefined) {
      config.seeds.push(...await readSeeds(config.seedsFile));
    }
    const sitemaps = config.options.sitemapUrls ?? [];
    if (config.seeds.length === 0 && sitemaps.length === 0) {
      throw new UsageError("no seed URLs given (try --help)");
    }
    await checkNetPermission([...config.seeds, ...sitemaps]);
    const extract = config.options.extract;
    if (extract !== undefined) await checkExtractModule(String(extract));
    if (check) {
      const { checkCommand } = await import("./check_command.ts");
      return await checkCommand(config, interrupts);
    }
    await checkArchivePermission(config.options);
    const { crawlCommand } = await import("./crawl_command.ts");
    return await crawlCommand(config, interrupts, heap);
  } catch (err) {
    if (err instanceof UsageError) {
      printError(err.message);
      return EXIT_USAGE;
    }
    const { error, message, code } = failure(err);
    printError(message, config?.logLevel === "debug" ? error : undefined);
    return code;
  }
}
