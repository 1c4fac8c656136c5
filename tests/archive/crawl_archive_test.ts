import assert from "node:assert/strict";
import { CrawlArchive } from "../../src/archive/crawl_archive.ts";
import type { Exchange } from "../../src/archive/exchange.ts";
import { scanWarc } from "../../src/archive/warc_reader.ts";
import { systemClock } from "../../src/concurrency/clock.ts";
import { readWarcs } from "./_warc.ts";

const exchange = (url: string): Exchange => ({
  url,
  method: "GET",
  requestHeaders: [],
  date: 0,
  status: 200,
  statusText: "OK",
  responseHeaders: [["content-type", "text/html"]],
  body: new TextEncoder().encode(`<title>${url}</title>`),
  truncated: false,
});

function archive(dir: string): CrawlArchive {
  return new CrawlArchive({
    warc: `${dir}/a.warc.gz`,
    warcMaxSize: 1_000_000,
    save: `${dir}/site`,
    info: [],
    clock: systemClock,
    onLog: () => {},
  });
}

Deno.test("CrawlArchive.commit() commits each page only once its records are in the file and the position after them is set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trawl_archive_" });
  try {
    const values = new Map<string, string>();
    await using a = archive(dir);
    await a.open({
      checkpoints: {
        get: (k) => values.get(k),
        set: (k, v) => void values.set(k, v),
      },
      existing: "replace",
    });
    const start = Deno.statSync(a.warcFiles[0]).size; // the warcinfo
    const sizes: Record<string, number> = {};
    const commit = (name: string) => () => {
      const size = Deno.statSync(a.warcFiles[0]).size;
      const position = JSON.parse(values.get("warc") ?? "null");
      assert.equal(position?.offset, size, `${name}: position at the end`);
      sizes[name] = size;
      return name;
    };
    const done = await Promise.all([
      a.commit([exchange("http://a.test/1")], commit("1")),
      a.commit(
        [exchange("http://a.test/2"), exchange("http://a.test/3")],
        commit("2"),
      ),
      a.commit([], commit("3")),
    ]);
    assert.deepEqual(done, ["1", "2", "3"]);
    // Each page's records (two for 1, four for 2) are in before its commit.
    const sorted = Object.values(sizes).sort((x, y) => x - y);
    assert.ok(start <= sorted[0], JSON.stringify(sizes));
    assert.ok(sizes["1"] > start && sizes["2"] > start, JSON.stringify(sizes));
    assert.notEqual(sizes["1"], sizes["2"]);
    const { records } = await scanWarc(a.warcFiles[0], () => {});
    assert.equal(records, 7);
    await Deno.stat(`${dir}/site/a.test+80/2^f`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CrawlArchive.record() waits for open(), and a commit gives up when its signal aborts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trawl_archive_" });
  try {
    await using a = archive(dir);
    const recorded = a.record(exchange("http://a.test/robots.txt"));
    const stop = new AbortController();
    const waiting = a.commit([], () => "never", { signal: stop.signal });
    stop.abort(new Error("stopped"));
    await assert.rejects(waiting, /stopped/);
    await a.open({ existing: "replace" });
    await recorded;
    await a[Symbol.asyncDispose]();
    const recs = await readWarcs(a.warcFiles);
    assert.deepEqual(recs.map((r) => r.type), [
      "warcinfo",
      "request",
      "response",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
