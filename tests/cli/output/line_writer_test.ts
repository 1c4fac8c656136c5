import assert from "node:assert/strict";
import { LineWriter } from "../../../src/cli/output/line_writer.ts";
import { FakeClock } from "../../../src/concurrency/fake_clock.ts";

/** A sink that records what it was given, taking at most `chunk` bytes a call. */
function sink(chunk = Infinity) {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    text: () => writes.join(""),
    write(p: Uint8Array): Promise<number> {
      const n = Math.min(p.length, chunk);
      writes.push(decoder.decode(p.subarray(0, n)));
      return Promise.resolve(n);
    },
  };
}

Deno.test("LineWriter.write() buffers lines until flushMs has passed", async () => {
  const clock = new FakeClock();
  const out = sink();
  const writer = new LineWriter(out, { clock, flushMs: 100 });
  assert.equal(writer.write("a"), undefined);
  assert.equal(writer.write("b"), undefined);
  await clock.tick(99);
  assert.equal(out.text(), "");
  await clock.tick(1);
  assert.equal(out.text(), "a\nb\n");
  assert.equal(clock.pending, 0);
  writer.write("c");
  await writer.close();
  assert.equal(out.text(), "a\nb\nc\n");
  assert.equal(clock.pending, 0, "close() cancels the timer");
});

Deno.test("LineWriter.write() flushes a full buffer at once and returns its promise", async () => {
  const clock = new FakeClock();
  const out = sink(3); // a sink that takes 3 bytes a call: all is written
  const writer = new LineWriter(out, { clock, maxBuffer: 8 });
  assert.equal(writer.write("1234"), undefined);
  const full = writer.write("5678");
  assert.ok(full instanceof Promise);
  await full;
  assert.equal(out.text(), "1234\n5678\n");
  assert.ok(out.writes.length > 1);
  await writer.close();
});

Deno.test("LineWriter.flush() tells onWritten the keys once their lines are written", async () => {
  const written: string[][] = [];
  const out = sink();
  const writer = new LineWriter(out, {
    clock: new FakeClock(),
    onWritten: (keys) => written.push(keys),
  });
  writer.write("{}", "https://a.example/");
  writer.write("{}");
  writer.write("{}", "https://b.example/");
  assert.deepEqual(written, []);
  await writer.flush();
  assert.deepEqual(written, [["https://a.example/", "https://b.example/"]]);
  writer.write("{}", "https://c.example/");
  await writer.close();
  assert.deepEqual(written.slice(1), [["https://c.example/"]]);
});

Deno.test("LineWriter.write() throws a failed write's error, and so does close()", async () => {
  const broken = new Error("disk full");
  const writer = new LineWriter({ write: () => Promise.reject(broken) }, {
    clock: new FakeClock(),
  });
  writer.write("a");
  await assert.rejects(writer.flush(), broken);
  assert.throws(() => writer.write("b"), broken);
  await assert.rejects(writer.close(), broken);
});
