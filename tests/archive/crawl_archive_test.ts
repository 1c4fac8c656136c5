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
    const order: string[] = [];
    const positions: Record<string, number> = {};
    const commit = (name: string) => () => {
      const position = JSON.parse(values.get("warc") ?? "null");
      // The file holds at least what the position says (a later page's
      // records may follow: they are committed in their own turn).
      assert.ok(position.offset <= Deno.statSync(a.warcFiles[0]).size);
      positions[name] = position.offset;
      order.push(name);
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
    // Positions grow in the order pages are committed...
    const inOrder = order.map((name) => positions[name]);
    assert.deepEqual(inOrder, [...inOrder].sort((x, y) => x - y));
    // ...and each covers its own page's records.
    const ends = new Map<string, number>();
    await scanWarc(a.warcFiles[0], ({ offset, length, fields }) => {
      const uri = fields.find(([k]) => k === "WARC-Target-URI")?.[1];
      if (uri) ends.set(uri, offset + length);
    });
    assert.equal(ends.size, 3);
    assert.ok(ends.get("http://a.test/1")! <= positions["1"]);
    assert.ok(ends.get("http://a.test/3")! <= positions["2"]);
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
