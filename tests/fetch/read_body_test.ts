import assert from "node:assert/strict";
import fc from "fast-check";
import { readBody } from "../../src/fetch/read_body.ts";
import { IdleTimeoutError } from "../../src/fetch/errors.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

interface Probe {
  stream: ReadableStream<Uint8Array>;
  /** The reason the consumer cancelled with, once it did. */
  cancelled: { reason: unknown } | undefined;
  /** Chunks handed out so far. */
  pulled: number;
}

/** A stream serving `chunks` on demand, then closing (or stalling). */
function probe(chunks: Uint8Array[], opts: { stall?: boolean } = {}): Probe {
  const p: Probe = { stream: undefined!, cancelled: undefined, pulled: 0 };
  let i = 0;
  p.stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) {
        p.pulled++;
        controller.enqueue(chunks[i++]);
      } else if (opts.stall) {
        return new Promise(() => {}); // never delivers
      } else {
        controller.close();
      }
    },
    cancel(reason) {
      p.cancelled = { reason };
    },
  }, { highWaterMark: 0 });
  return p;
}

/** A stream the test feeds by hand. */
function manual() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: { reason: unknown } | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel(reason) {
      cancelled = { reason };
    },
  });
  return {
    stream,
    push: (n: number) => ctl.enqueue(new Uint8Array(n).fill(1)),
    close: () => ctl.close(),
    get cancelled() {
      return cancelled;
    },
  };
}

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("readBody() reads a whole body under the cap", async () => {
  const p = probe([bytes(1, 2), bytes(3), bytes(4, 5, 6)]);
  const got = await readBody(p.stream, { maxBytes: 100 });
  assert.deepEqual(got.bytes, bytes(1, 2, 3, 4, 5, 6));
  assert.equal(got.truncated, false);
  assert.equal(p.cancelled, undefined);
});

Deno.test("readBody() returns exactly maxBytes, flags truncation and cancels", async () => {
  const p = probe([bytes(1, 2, 3), bytes(4, 5, 6, 7), bytes(8, 9)]);
  const got = await readBody(p.stream, { maxBytes: 5 });
  assert.deepEqual(got.bytes, bytes(1, 2, 3, 4, 5));
  assert.equal(got.truncated, true);
  assert.ok(p.cancelled, "the stream was cancelled");
  assert.equal(p.pulled, 2, "nothing read past the cap");
});

Deno.test("readBody() is not truncated when the body ends exactly at the cap", async () => {
  const p = probe([bytes(1, 2), bytes(3, 4)]);
  const got = await readBody(p.stream, { maxBytes: 4 });
  assert.deepEqual(got.bytes, bytes(1, 2, 3, 4));
  assert.equal(got.truncated, false);
  assert.equal(p.cancelled, undefined);
  // One more byte makes it truncated.
  const q = probe([bytes(1, 2), bytes(3, 4), bytes(5)]);
  const more = await readBody(q.stream, { maxBytes: 4 });
  assert.deepEqual(more.bytes, bytes(1, 2, 3, 4));
  assert.equal(more.truncated, true);
  assert.ok(q.cancelled);
});

Deno.test("readBody() handles null, empty and zero-cap bodies", async () => {
  assert.deepEqual(await readBody(null, { maxBytes: 10 }), {
    bytes: new Uint8Array(0),
    truncated: false,
  });
  const empty = await readBody(probe([new Uint8Array(0)]).stream, {
    maxBytes: 10,
  });
  assert.deepEqual(empty, { bytes: new Uint8Array(0), truncated: false });
  const zero = await readBody(probe([bytes(1)]).stream, { maxBytes: 0 });
  assert.deepEqual(zero, { bytes: new Uint8Array(0), truncated: true });
});

Deno.test("readBody() keeps every byte of a random chunking, up to the cap", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 40_000 }), { maxLength: 12 }),
      fc.integer({ min: 0, max: 200_000 }),
      async (chunks, maxBytes) => {
        const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let at = 0;
        for (const c of chunks) all.set(c, (at += c.length) - c.length);
        const got = await readBody(probe(chunks.map((c) => c.slice())).stream, {
          maxBytes,
        });
        assert.equal(got.truncated, all.length > maxBytes);
        assert.deepEqual(got.bytes, all.subarray(0, maxBytes));
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("readBody() times out when no chunk arrives for idleTimeoutMs", async () => {
  const clock = new FakeClock();
  const p = probe([bytes(1)], { stall: true });
  let timeouts = 0;
  const result = readBody(p.stream, {
    maxBytes: 100,
    idleTimeoutMs: 1000,
    clock,
    url: "https://x.test/robots.txt",
    onTimeout: () => timeouts++,
  });
  let settled = false;
  result.then(() => settled = true, () => settled = true);
  await clock.tick(999);
  assert.equal(settled, false);
  assert.equal(timeouts, 0);
  await clock.tick(1);
  await assert.rejects(result, (err) => {
    assert.ok(err instanceof IdleTimeoutError);
    assert.equal(err.idleTimeoutMs, 1000);
    assert.equal(err.url, "https://x.test/robots.txt");
    return true;
  });
  assert.equal(timeouts, 1);
  assert.ok(p.cancelled?.reason instanceof IdleTimeoutError);
  assert.equal(clock.pending, 0, "no timer left");
});

Deno.test("readBody() re-arms the idle timer on every chunk", async () => {
  const clock = new FakeClock();
  const m = manual();
  const result = readBody(m.stream, {
    maxBytes: 100,
    idleTimeoutMs: 1000,
    clock,
  });
  for (let i = 0; i < 5; i++) {
    await clock.tick(600);
    m.push(1);
  }
  await clock.tick(999); // 999 ms since the last chunk: still fine
  m.close();
  const got = await result;
  assert.equal(got.bytes.length, 5);
  assert.equal(clock.pending, 0, "the idle timer was cleared");
  // Only one sleep per idle period, not one per chunk.
});

Deno.test("readBody() uses one timer per idle period, not per chunk", async () => {
  const clock = new FakeClock();
  const m = manual();
  const result = readBody(m.stream, {
    maxBytes: 1e6,
    idleTimeoutMs: 1000,
    clock,
  });
  await clock.tick(0);
  for (let i = 0; i < 100; i++) m.push(10);
  await clock.tick(0);
  assert.equal(clock.pending, 1);
  m.close();
  assert.equal((await result).bytes.length, 1000);
  assert.equal(clock.pending, 0);
});

Deno.test("readBody() rejects with signal.reason on abort and cancels the stream", async () => {
  const clock = new FakeClock();
  const p = probe([bytes(1, 2)], { stall: true });
  const ac = new AbortController();
  let timeouts = 0;
  const result = readBody(p.stream, {
    maxBytes: 100,
    idleTimeoutMs: 1000,
    clock,
    signal: ac.signal,
    onTimeout: () => timeouts++,
  });
  await clock.tick(10);
  const reason = new Error("stop");
  ac.abort(reason);
  await assert.rejects(result, (err) => err === reason);
  assert.equal(p.cancelled?.reason, reason);
  assert.equal(timeouts, 0);
  assert.equal(clock.pending, 0);
});

Deno.test("readBody() rejects at once when the signal is already aborted", async () => {
  const p = probe([bytes(1)]);
  const reason = new Error("early");
  await assert.rejects(
    readBody(p.stream, { maxBytes: 10, signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
  assert.equal(p.cancelled?.reason, reason);
  await assert.rejects(
    readBody(null, { maxBytes: 10, signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
});

Deno.test("readBody() passes on a stream error and clears its timer", async () => {
  const clock = new FakeClock();
  const boom = new TypeError("connection reset");
  let n = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n++ === 0) c.enqueue(bytes(1));
      else c.error(boom);
    },
  });
  await assert.rejects(
    readBody(stream, { maxBytes: 10, idleTimeoutMs: 1000, clock }),
    (err) => err === boom,
  );
  assert.equal(clock.pending, 0);
});

Deno.test("readBody() rejects bad options", () => {
  for (const maxBytes of [-1, 1.5, NaN, "1" as unknown as number]) {
    assert.throws(
      () => readBody(null, { maxBytes }),
      (err) =>
        err instanceof RangeError && err.message.includes("'maxBytes'") &&
        err.message.includes(`current value is ${maxBytes}`),
    );
  }
  for (const idleTimeoutMs of [0, -5, NaN]) {
    assert.throws(
      () => readBody(null, { maxBytes: 1, idleTimeoutMs }),
      RangeError,
    );
  }
});

Deno.test("readBody() with maxBytes Infinity reads everything", async () => {
  const got = await readBody(new Response("x".repeat(70_000)).body, {
    maxBytes: Infinity,
  });
  assert.equal(got.bytes.length, 70_000);
  assert.equal(got.truncated, false);
});
