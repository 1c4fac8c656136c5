/**
 * Ctrl-C (SIGINT) or SIGTERM (what `docker stop`, systemd and Kubernetes
 * send) during a crawl: the first stops it gracefully (the crawl's signal
 * aborts, results so far are kept, the summary is printed, exit 130 or
 * 143), a second exits at once.
 *
 * @module
 */
import { EXIT } from "./exit_codes.ts";
import type { Reporter } from "./reporter.ts";

/** The exit code of an interrupted command. */
export const EXIT_INTERRUPTED = EXIT.interrupted;

/** The signals that stop a crawl. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** The exit code after each stop signal. */
export const STOP_EXIT: Readonly<Record<StopSignal, number>> = {
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
};

/**
 * Where Ctrl-C and SIGTERM come from: `listen` registers a handler called
 * once per signal and returns what unregisters it.
 */
export interface Interrupts {
  /** Calls `onInterrupt` on each signal until the returned function runs. */
  listen(onInterrupt: (signal: StopSignal) => void): () => void;
}

/** SIGINT and SIGTERM sent to this process. */
export const processInterrupts: Interrupts = {
  listen(onInterrupt) {
    const onInt = () => onInterrupt("SIGINT");
    const onTerm = () => onInterrupt("SIGTERM");
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGTERM", onTerm);
    return () => {
      Deno.removeSignalListener("SIGINT", onInt);
      Deno.removeSignalListener("SIGTERM", onTerm);
    };
  },
};

/**
 * A crawl's stop: its signal aborts on the first interrupt (or on
 * {@linkcode CrawlStop.abort}); the second interrupt exits the process.
 * Listens from {@linkcode CrawlStop.listen} until disposed.
 *
 * @example Usage
 * ```ts ignore
 * using stop = new CrawlStop(processInterrupts, reporter);
 * stop.listen();
 * for await (const r of crawl(seeds, { signal: stop.signal })) {}
 * ```
 */
export class CrawlStop implements Disposable {
  #controller = new AbortController();
  #interrupts: Interrupts;
  #reporter: Reporter;
  #count = 0;
  #first: StopSignal | undefined;
  #unlisten: (() => void) | undefined;

  /**
   * Creates a stop; interrupts are not listened to yet.
   *
   * @param interrupts Where Ctrl-C comes from.
   * @param reporter Where "interrupted" is said.
   */
  constructor(interrupts: Interrupts, reporter: Reporter) {
    this.#interrupts = interrupts;
    this.#reporter = reporter;
  }

  /** The crawl's signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether Ctrl-C was pressed (or SIGTERM received). */
  get interrupted(): boolean {
    return this.#count > 0;
  }

  /** The exit code the stop asks for: 130 after Ctrl-C, 143 after SIGTERM. */
  get exitCode(): number {
    return this.#first ? STOP_EXIT[this.#first] : EXIT.ok;
  }

  /** Starts listening to interrupts. */
  listen(): void {
    this.#unlisten ??= this.#interrupts.listen((signal) =>
      this.#onInterrupt(signal ?? "SIGINT")
    );
  }

  /**
   * Stops the crawl for another reason (stdout closed).
   *
   * @param reason The abort reason.
   */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  #onInterrupt(signal: StopSignal): void {
    this.#count++;
    if (this.#count === 1) {
      this.#first = signal;
      this.#controller.abort(
        new DOMException("The crawl was interrupted", "AbortError"),
      );
      if (!this.#reporter.quiet) {
        this.#reporter.say(
          signal === "SIGTERM"
            ? "trawl: terminated, finishing (send SIGTERM again to quit now)"
            : "trawl: interrupted, finishing (press Ctrl-C again to quit now)",
        );
      }
    } else {
      this.#reporter.clearProgress();
      Deno.exit(STOP_EXIT[this.#first ?? signal]);
    }
  }

  /** Stops listening. */
  [Symbol.dispose](): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
  }
}
