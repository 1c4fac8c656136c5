/**
 * The crawl thread's entry (see `crawl_thread.ts`): runs the command with
 * the arguments it was given, takes Ctrl-C from the main thread, and exits
 * the thread with the command's exit code.
 *
 * @module
 */
import { parentPort, resourceLimits, workerData } from "node:worker_threads";
import { setWorkerHost } from "../concurrency/_pool_worker.ts";
import { remoteWorkerHost } from "../concurrency/_worker_host.ts";
import { runCommand } from "./command.ts";
import type { Interrupts } from "./interrupts.ts";
import { type CrawlThreadData, INTERRUPT } from "./crawl_thread.ts";

const port = parentPort!;
const { argv, version, workers } = workerData as CrawlThreadData;
// The parser workers are started by the main thread: nested in this thread
// they would answer about ten times slower.
setWorkerHost(remoteWorkerHost(workers));
const fromMainThread: Interrupts = {
  listen(onInterrupt) {
    const onMessage = (message: unknown) => {
      if (message === INTERRUPT || message === "SIGTERM") {
        onInterrupt(message);
      }
    };
    port.on("message", onMessage);
    return () => port.off("message", onMessage);
  },
};
// The limits V8 applied, as the thread reports them.
const heap = {
  maxYoungGenerationSizeMb: resourceLimits.maxYoungGenerationSizeMb,
  maxOldGenerationSizeMb: resourceLimits.maxOldGenerationSizeMb,
};
Deno.exit(
  await runCommand(argv, version, { interrupts: fromMainThread, heap }),
);
