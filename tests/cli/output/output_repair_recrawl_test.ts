/**
 * `syncOutput` against a real state file that was recrawled: a URL's line
 * in a recrawl is not a repeat of its line in the first crawl, a recrawl
 * stopped half way leaves the first crawl's lines committed, and what the
 * recrawl committed but did not write is appended.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  resultKey,
  syncOutput,
} from "../../../src/cli/output/output_repair.ts";
import { Crawler } from "../../../src/crawler/crawler.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { SqliteStore } from "../../../src/frontier/sqlite/sqlite_store.ts";
import { conditionalSite } from "../../_support/conditional_site.ts";

const PAGES = ["/", "/a", "/b", "/c", "/d"];

Deno.test("syncOutput() keeps one line per URL per recrawl, appends a recrawl's unwritten results and notes its lost commits", async () => {
  await using site = conditionalSite({
    "/robots.txt": "User-agent: *\n",
    "/": PAGES.slice(1).map((p) => `<a href="${p}">x</a>`).join(""),
    "/a": "a",
    "/b": "b",
    "/c": "c",
    "/d": "d",
  });
  const dir = await Deno.makeTempDir({ prefix: "trawl_sync_recrawl_" });
  try {
    const state = join(dir, "s.db");
    const out = join(dir, "out.jsonl");
    const options = {
      workers: 0,
      retries: 0,
      state,
      perHost: { concurrency: 1 },
    };
    const seed = site.origin + "/";
    const first: CrawlResult[] = [];
    for await (const r of new Crawler([seed], options).run()) first.push(r);
    assert.equal(first.length, 5);
    // The recrawl stops after two results.
    const ctl = new AbortController();
    const recrawled: CrawlResult[] = [];
    await assert.rejects(async () => {
      for await (
        const r of new Crawler([seed], {
          ...options,
          recrawl: true,
          signal: ctl.signal,
        }).run()
      ) {
        recrawled.push(r);
        if (recrawled.length === 2) ctl.abort(new Error("stop"));
      }
    });
    assert.ok(recrawled.every((r) => r.recrawl === 1 && r.status === 304));
    await using store = new SqliteStore(state);
    const committed = [...store.results()].filter((r) => r.generation === 1);
    assert.ok(committed.length >= 2 && committed.length < 5);
    const pending = first.find((r) => !committed.some((c) => c.url === r.url))!;

    // The file: every first-crawl line, the first recrawl line only (the
    // second was committed but not written), and a recrawl line for a URL
    // whose commit was lost.
    const lost = { ...pending, status: 304, recrawl: 1 };
    const lines = [...first, recrawled[0], lost].map((r) => JSON.stringify(r));
    await Deno.writeTextFile(out, lines.map((l) => l + "\n").join(""));
    const uncommitted = new Set<string>();
    using file = await Deno.open(out, { read: true, write: true });
    const report = await syncOutput(file, store, undefined, uncommitted);
    assert.deepEqual(report, {
      kept: 7,
      cutBytes: 0,
      appended: committed.length - 1,
      uncommitted: 1,
      duplicates: 0,
    });
    assert.deepEqual([...uncommitted], [resultKey(lost)]);
    assert.equal(resultKey(lost), `1 ${pending.url}`);
    const text = await Deno.readTextFile(out);
    const keys = text.trimEnd().split("\n").map((l) =>
      resultKey(JSON.parse(l))
    );
    assert.equal(new Set(keys).size, keys.length, "no line twice");
    for (const c of committed) assert.ok(keys.includes(resultKey(c)), c.url);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
