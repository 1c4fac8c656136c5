/**
 * Ctrl-C during a crawl: the first stops it gracefully (the crawl's signal
 * aborts, results so far are kept), a second exits at once.
 *
 * @module
 */
import type { Reporter } from "./reporter.ts";

/** The exit code of an interrupted command. */
export const EXIT_INTERRUPTED = 130;

/**
 * Where Ctrl-C comes from: `listen` registers a handler called once per
 * interrupt and returns what unregisters it.
 */
export interface Interrupts {
  /** Calls `onInterrupt` on each interrupt until the returned function runs. */
  listen(onInterrupt: () => void): () => void;
}

/** SIGINT sent to this process. */
export const processInterrupts: Interrupts = {
  listen(onInterrupt) {
    Deno.addSignalListener("SIGINT", onInterrupt);
    return () => Deno.removeSignalListener("SIGINT", onInterrupt);
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

  /** Whether Ctrl-C was pressed. */
  get interrupted(): boolean {
    return this.#count > 0;
  }

  /** Starts listening to interrupts. */
  listen(): void {
    this.#unlisten ??= this.#interrupts.listen(() => this.#onInterrupt());
  }

  /**
   * Stops the crawl for another reason (stdout closed).
   *
   * @param reason The abort reason.
   */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  #onInterrupt(): void {
    this.#count++;
    if (this.#count === 1) {
      this.#controller.abort(
        new DOMException("The crawl was interrupted", "AbortError"),
      );
      if (!this.#reporter.quiet) {
        this.#reporter.say(
          "trawl: interrupted, finishing (press Ctrl-C again to quit now)",
        );
      }
    } else {
      this.#reporter.clearProgress();
      Deno.exit(EXIT_INTERRUPTED);
    }
  }

  /** Stops listening. */
  [Symbol.dispose](): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
  }
}
