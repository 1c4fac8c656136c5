// The memory frontier's per-host queue: order, runs, and what it keeps.
import assert from "node:assert/strict";
import { HostQueue } from "../../src/frontier/host_queue.ts";

Deno.test("HostQueue.shift() gives runs and single entries back in order, as they came", () => {
  const q = new HostQueue();
  const run = ["https://a.test/x/1", "https://a.test/x/2", "https://a.test/y"]
    .map((url) => ({
      url,
      host: "a.test",
      depth: 2,
      referrer: "https://a.test/",
      parentSpanId: "s1",
    }));
  q.pushRun(run);
  const alone = { url: "https://a.test/z", host: "a.test", depth: 1, id: 7 };
  q.push(alone);
  q.pushRun([]);
  assert.equal(q.length, 4);
  assert.deepEqual([q.shift(), q.shift(), q.shift()], run);
  assert.deepEqual(q.shift(), alone);
  assert.equal(q.shift(), undefined);
  assert.equal(q.length, 0);
});

Deno.test("HostQueue.peekUrl() names the entry shift() gives next, and leaves it queued", () => {
  const q = new HostQueue();
  const url = (path: string) => ({
    url: `https://a.test${path}`,
    host: "a.test",
    depth: 1,
  });
  q.pushRun([url("/x/1"), url("/x/22"), url("/y")]);
  q.push(url("/z"));
  const seen: string[] = [];
  for (let peeked; (peeked = q.peekUrl()) !== undefined;) {
    assert.equal(q.peekUrl(), peeked, "peeking takes nothing");
    assert.equal(q.shift()?.url, peeked);
    seen.push(peeked);
  }
  assert.deepEqual(seen, ["/x/1", "/x/22", "/y", "/z"].map((p) => url(p).url));
  assert.equal(q.length, 0);
});

Deno.test("HostQueue keeps no page's string of links alive for the links it queues", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      new URL("./_queue_retention.ts", import.meta.url).href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { queued, heapUsed } = JSON.parse(text);
  assert.equal(queued, 1100);
  // The pages' links are about 100 MB; the queued URLs a few hundred KB.
  assert.ok(heapUsed < 40 * 1024 * 1024, `heap in use: ${heapUsed} bytes`);
});
