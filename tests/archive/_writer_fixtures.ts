/**
 * What the WARC writer's tests build archives from: exchanges, checkpoints
 * that a "resumed" run reads back, temporary folders and random bodies.
 *
 * @module
 */
import type { Exchange } from "../../src/archive/exchange.ts";
import type { Checkpoints } from "../../src/frontier/store.ts";

const enc = new TextEncoder();

/** An exchange of `url` answered 200 with `body`. */
export function exchange(
  url: string,
  body: string | Uint8Array,
  extra: Partial<Exchange> = {},
): Exchange {
  return {
    url,
    method: "GET",
    requestHeaders: [["host", new URL(url).host], ["user-agent", "test"]],
    date: Date.UTC(2026, 0, 2, 3, 4, 5),
    status: 200,
    statusText: "OK",
    responseHeaders: [["content-type", "text/html"]],
    body: typeof body === "string" ? enc.encode(body) : body,
    truncated: false,
    ...extra,
  };
}

/** Checkpoints kept in a map; `commit()` snapshots what a flush would keep. */
export function checkpoints() {
  const live = new Map<string, string>();
  let committed = new Map<string, string>();
  const live_: Checkpoints = {
    get: (k) => live.get(k),
    set: (k, v) => void live.set(k, v),
  };
  return {
    live: live_,
    commit: () => void (committed = new Map(live)),
    /** What a resumed crawl finds: only what was committed. */
    resumed(): Checkpoints {
      const values = new Map(committed);
      return {
        get: (k) => values.get(k),
        set: (k, v) => void values.set(k, v),
      };
    },
  };
}

/** A temporary folder, removed when disposed of. */
export async function tempDir(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_warc_" });
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** `n` random bytes (getRandomValues fills at most 64 KiB at once). */
export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  return bytes;
}
