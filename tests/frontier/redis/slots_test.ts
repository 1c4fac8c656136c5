// A crawl spread over several slots (`slots`): each host's keys in its
// slot, links to hosts of other slots offered there before the page's own
// commit, the crawl over only when every slot is empty, a page budget shared
// through slot 0, outboxes in every slot, and a slot that Redis lost noticed.
import assert from "node:assert/strict";
import { CrawlLostError } from "../../../src/frontier/redis/redis_store.ts";
import { Slots } from "../../../src/frontier/redis/slots.ts";
import { redisTest } from "../../_support/redis_server.ts";
import {
  drain,
  entry,
  finish,
  never,
  proc,
  raw,
  result,
} from "./_processes.ts";

const SLOTS = 4;
/** Which of the crawl's slots a host is in (the hash needs no id). */
const slotOf = (host: string) => new Slots("x", "id", SLOTS).of(host).index;
/** Eight hosts, spread over the slots as their names fall. */
const HOSTS = Array.from({ length: 8 }, (_, i) => `h${i}.test`);

/** Page `i` links to pages `2i+1` and `2i+2` (of `n`), on host `i % 8`. */
function tree(n: number) {
  const at = (i: number) => `http://${HOSTS[i % HOSTS.length]}/${i}`;
  return {
    seed: at(0),
    links: (u: string) => {
      const i = Number(u.split("/").pop());
      return [2 * i + 1, 2 * i + 2].filter((c) => c < n).map(at);
    },
  };
}

/** The keys of a crawl's slot `i` (any id). */
async function keysOf(url: string, crawl: string, i: number) {
  const r = await raw(url);
  try {
    const pattern = i === 0 ? `trawl:{${crawl}}:*` : `trawl:{${crawl}/${i}}:*`;
    return await r.keys(pattern);
  } finally {
    await r.close();
  }
}

redisTest(
  "RedisStore with slots keeps each host's keys in its slot, and two processes yield every URL once",
  async ({ url, crawl }) => {
    assert.ok(new Set(HOSTS.map(slotOf)).size >= 3, "hosts in 3 slots");
    const site = tree(60);
    const store = { slots: SLOTS };
    const a = await proc(url, crawl, { seeds: [site.seed], store });
    const b = await proc(url, crawl, { seeds: [site.seed], store });
    try {
      const won = (await Promise.all([
        drain(a.frontier, site.links),
        drain(b.frontier, site.links),
      ])).flat();
      assert.equal(won.length, 60);
      assert.equal(new Set(won.map((r) => r.url)).size, 60);
      const st = await a.store.status();
      assert.equal(st.done, 60);
      assert.equal(st.accepted, 60);
      assert.equal(st.pending, 0);
      assert.equal(st.finished, true);
      assert.equal(
        st.hosts.reduce((n, h) => n + h.done, 0),
        60,
        "every host's results counted once",
      );
      for (const host of HOSTS) {
        const prefix = await a.store.prefixOf(host);
        const i = slotOf(host);
        assert.ok(
          prefix.startsWith(
            i === 0 ? `trawl:{${crawl}}:` : `trawl:{${crawl}/${i}}:`,
          ),
          prefix,
        );
        const r = await raw(url);
        try {
          assert.ok(
            Number(await r.hGet(prefix + "hostdone", host)) > 0,
            `${host}'s results are counted in its slot`,
          );
        } finally {
          await r.close();
        }
      }
      for (let i = 1; i < SLOTS; i++) {
        const keys = await keysOf(url, crawl, i);
        if (HOSTS.some((h) => slotOf(h) === i)) {
          assert.ok(keys.some((k) => k.endsWith(":meta")), `slot ${i} meta`);
          assert.ok(keys.some((k) => /:s:\d+$/.test(k)), `slot ${i} dedupe`);
        }
        assert.ok(!keys.some((k) => /:(q|h):/.test(k)), "no host keys left");
      }
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier.next() with slots waits while another process holds a page whose links go to other slots",
  async ({ url, crawl }) => {
    const seedHost = HOSTS[0];
    const elsewhere = HOSTS.filter((h) => slotOf(h) !== slotOf(seedHost));
    assert.ok(elsewhere.length > 0);
    const store = { slots: SLOTS };
    const a = await proc(url, crawl, {
      seeds: [`http://${seedHost}/0`],
      store,
    });
    const b = await proc(url, crawl, { mode: "resume", store });
    try {
      const page = await a.frontier.next(never);
      assert.ok(page);
      let settled = false;
      const waiting = b.frontier.next(never).finally(() => settled = true);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(settled, false, "b waits while a holds its page");
      page.permit.release();
      const found = elsewhere.map((h) => entry(`http://${h}/1`, 1));
      await a.frontier.commit({
        page: { entry: page, result: result(page.url) },
        found,
        settled: [],
      });
      const got = await waiting;
      assert.ok(got, "b gets a URL of another slot, not the crawl's end");
      assert.ok(found.some((e) => e.url === got.url));
      got.permit.release();
      await finish(b.frontier, got);
      const rest = await Promise.all([drain(a.frontier), drain(b.frontier)]);
      assert.equal(rest[0].length + rest[1].length, found.length - 1);
      assert.equal((await a.store.status()).finished, true);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier with slots shares the page budget: exactly maxAccepted URLs with one process, never more with two",
  async ({ url, crawl, t }) => {
    const site = tree(400);
    const store = { slots: SLOTS };
    await t.step("one process", async () => {
      const a = await proc(url, crawl + "-1", {
        seeds: [site.seed],
        maxAccepted: 25,
        store,
      });
      try {
        const won = await drain(a.frontier, site.links);
        assert.equal(won.length, 25);
        assert.equal((await a.store.status()).accepted, 25);
      } finally {
        await a.close();
      }
    });
    await t.step("two processes", async () => {
      const o = { seeds: [site.seed], maxAccepted: 40, store };
      const a = await proc(url, crawl + "-2", o);
      const b = await proc(url, crawl + "-2", o);
      try {
        const won = (await Promise.all([
          drain(a.frontier, site.links),
          drain(b.frontier, site.links),
        ])).flat();
        assert.ok(won.length <= 40, `${won.length} URLs, budget 40`);
        assert.ok(won.length >= 30, `${won.length} URLs, budget 40`);
        assert.equal(new Set(won.map((r) => r.url)).size, won.length);
        assert.equal((await a.store.status()).done, won.length);
      } finally {
        await b.close();
        await a.close();
      }
    });
  },
);

redisTest(
  "RedisStore with slots keeps unacknowledged results in every slot, and adopt() takes them all",
  async ({ url, crawl }) => {
    const site = tree(30);
    const store = { slots: SLOTS, outbox: true };
    const a = await proc(url, crawl, {
      seeds: [site.seed],
      store: { ...store, worker: "a", leaseMs: 100 },
    });
    try {
      const won = await drain(a.frontier, site.links);
      assert.equal(won.length, 30);
      const pending = await a.store.unacknowledged();
      assert.equal(pending.length, 30);
      await a.store.acknowledge(won.slice(0, 10).map((r) => r.url));
      assert.equal((await a.store.unacknowledged()).length, 20);
      const st = await a.store.status();
      assert.equal(st.processes.find((p) => p.id === "a")?.unacknowledged, 20);
    } finally {
      await a.close();
    }
    const b = await proc(url, crawl, {
      mode: "resume",
      store: { ...store, worker: "b" },
    });
    try {
      const adopted = await b.store.adopt("a");
      assert.equal(adopted.results.length, 20);
      assert.equal((await b.store.unacknowledged()).length, 20);
    } finally {
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier with slots rejects with CrawlLostError 'gone' when one slot's keys are lost, and 'replaced' when the crawl is started over",
  async ({ url, crawl }) => {
    const host = HOSTS.find((h) => slotOf(h) !== 0)!;
    const store = { slots: SLOTS };
    const a = await proc(url, crawl, { seeds: [`http://${host}/0`], store });
    const r = await raw(url);
    try {
      const e = await a.frontier.next(never);
      assert.ok(e);
      const keys = await keysOf(url, crawl, slotOf(host));
      assert.ok(keys.length > 0);
      await r.del(keys);
      await assert.rejects(
        () => finish(a.frontier, e),
        (err) => err instanceof CrawlLostError && err.reason === "gone",
      );
    } finally {
      await r.close();
      await a.close();
    }
    const b = await proc(url, crawl + "-2", {
      seeds: [`http://${host}/0`],
      store,
    });
    try {
      const e = await b.frontier.next(never);
      assert.ok(e);
      const c = await proc(url, crawl + "-2", {
        seeds: [`http://${host}/0`],
        mode: "fresh",
        store,
      });
      await c.close();
      await assert.rejects(
        () => finish(b.frontier, e),
        (err) => err instanceof CrawlLostError && err.reason === "replaced",
      );
    } finally {
      await b.close();
    }
  },
);
