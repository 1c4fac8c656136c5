/**
 * A durable crawl with `warc` whose store makes its commits durable only at
 * every 40th flush (the crawler asks at every group of results), so a kill
 * finds many pages written to the WARC file but not committed: what a
 * resumed crawl must cut off. Run by `warc_kill_test.ts`.
 *
 * Usage: `_rare_flush_child.ts SEED STATE WARC [final]` (`final`: every
 * flush counts).
 *
 * @module
 */
import { crawl } from "../../src/crawler/crawler.ts";
import { SqliteStore } from "../../src/frontier/sqlite/sqlite_store.ts";
import type {
  CrawlFrontier,
  FrontierContext,
  FrontierStore,
} from "../../src/frontier/store.ts";

const [seed, state, warc, final] = Deno.args;
const inner = new SqliteStore(state);
const every = final === "final" ? 1 : 40;
const store: FrontierStore = {
  createFrontier(context: FrontierContext): CrawlFrontier {
    const frontier = inner.createFrontier(context);
    let flushes = 0;
    return new Proxy(frontier, {
      get(target, key) {
        if (key === "flush") {
          return () => (++flushes % every === 0 ? target.flush() : undefined);
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  },
};
for await (
  const _ of crawl([seed], {
    store,
    warc,
    allowPrivateNetworks: true,
    retries: 0,
    perHost: { rate: 300 },
    onLog: (r) => {
      if (r.level !== "debug") console.error(`${r.level}: ${r.message}`);
    },
  })
) {
  // The results are not kept: the WARC files are what is checked.
}
