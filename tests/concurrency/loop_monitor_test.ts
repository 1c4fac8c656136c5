import assert from "node:assert/strict";
import {
  LoopMonitor,
  type StallReport,
} from "../../src/concurrency/loop_monitor.ts";
import { ContextVar } from "../../src/concurrency/context_var.ts";
import { type Clock, delay } from "../../src/concurrency/clock.ts";

/** A clock whose `now()` the test moves synchronously (even inside `fn`). */
class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return delay(ms, signal);
  }
}

function setup(options: { intervalMs?: number } = {}) {
  const clock = new ManualClock();
  const url = new ContextVar<string>("url");
  const depth = new ContextVar<number>("depth", { default: 0 });
  const stalls: StallReport[] = [];
  const monitor = new LoopMonitor({
    thresholdMs: 100,
    intervalMs: options.intervalMs ?? 60_000,
    vars: [url, depth] as ContextVar<unknown>[],
    onStall: (r) => stalls.push(r),
    clock,
  });
  return { clock, url, depth, stalls, monitor };
}

Deno.test("LoopMonitor() rejects bad options", () => {
  const onStall = () => {};
  assert.throws(() => new LoopMonitor({ thresholdMs: 0, onStall }), {
    name: "RangeError",
    message:
      "Cannot create LoopMonitor as 'thresholdMs' must be a positive finite number: current value is 0",
  });
  assert.throws(
    () => new LoopMonitor({ intervalMs: -1, onStall }),
    RangeError,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new LoopMonitor({} as any),
    TypeError,
  );
});

Deno.test("LoopMonitor.track() attributes a stall to the context", () => {
  const { clock, url, depth, stalls, monitor } = setup();
  using _ = monitor;
  monitor.start();
  const result = url.run(
    "https://a.example/",
    () =>
      depth.run(2, () =>
        monitor.track(() => {
          clock.t += 250;
          return "parsed";
        })),
  );
  assert.equal(result, "parsed");
  assert.deepEqual(stalls, [{
    durationMs: 250,
    context: { url: "https://a.example/", depth: 2 },
    attributed: true,
    at: 0,
  }]);
});

Deno.test("LoopMonitor.track() ignores sections under the threshold", () => {
  const { clock, stalls, monitor } = setup();
  using _ = monitor;
  monitor.start();
  monitor.track(() => (clock.t += 100));
  assert.deepEqual(stalls, []);
});

Deno.test("LoopMonitor.track() snapshots the vars before fn runs", () => {
  const { clock, url, stalls, monitor } = setup();
  using _ = monitor;
  monitor.start();
  url.run("outer", () =>
    monitor.track(() =>
      url.run("inner", () => {
        clock.t += 200;
      })
    ));
  assert.equal(stalls.length, 1);
  assert.deepEqual(stalls[0].context, { url: "outer", depth: 0 });
});

Deno.test("LoopMonitor.track() reports and rethrows when fn throws", () => {
  const { clock, url, stalls, monitor } = setup();
  using _ = monitor;
  monitor.start();
  assert.throws(
    () =>
      url.run("x", () =>
        monitor.track(() => {
          clock.t += 300;
          throw new Error("parse failed");
        })),
    { message: "parse failed" },
  );
  assert.equal(stalls.length, 1);
  assert.equal(stalls[0].durationMs, 300);
  assert.equal(stalls[0].context.url, "x");
});

Deno.test("LoopMonitor.track() does not report while stopped", () => {
  const { clock, stalls, monitor } = setup();
  assert.equal(monitor.running, false);
  assert.equal(monitor.track(() => (clock.t += 500, 7)), 7);
  assert.deepEqual(stalls, []);
});

Deno.test("LoopMonitor.track() reports the innermost stall once when nested", () => {
  const { clock, url, stalls, monitor } = setup();
  using _ = monitor;
  monitor.start();
  url.run("page", () =>
    monitor.track(() => {
      clock.t += 30;
      url.run("script", () => monitor.track(() => (clock.t += 150)));
      clock.t += 20;
    }));
  assert.deepEqual(stalls.map((s) => [s.durationMs, s.context.url]), [
    [150, "script"],
  ]);
  url.run("page", () =>
    monitor.track(() => {
      clock.t += 200;
      url.run("script", () => monitor.track(() => (clock.t += 150)));
      clock.t += 50;
    }));
  assert.deepEqual(stalls.map((s) => [s.durationMs, s.context.url]), [
    [150, "script"],
    [150, "script"],
    [250, "page"],
  ]);
});

Deno.test("LoopMonitor.start() reports unattributed stalls from its drift timer", async () => {
  const { clock, url, stalls, monitor } = setup({ intervalMs: 5 });
  using _ = monitor;
  monitor.start();
  url.run("ignored", () => {
    clock.t += 500; // blocked outside any tracked section
  });
  await delay(40); // the monitor's 5 ms timer fires first
  assert.deepEqual(stalls, [{
    durationMs: 495,
    context: {},
    attributed: false,
    at: 5,
  }]);
});

Deno.test("LoopMonitor.start() does not report a tracked stall twice from its drift timer", async () => {
  const { clock, stalls, monitor } = setup({ intervalMs: 5 });
  using _ = monitor;
  monitor.start();
  monitor.track(() => (clock.t += 500));
  await delay(40);
  assert.equal(stalls.length, 1);
  assert.equal(stalls[0].attributed, true);
  // A tracked stall plus an untracked one in the same turn: both reported.
  monitor.track(() => (clock.t += 500));
  clock.t += 300;
  await delay(40);
  assert.deepEqual(stalls.map((s) => [s.attributed, s.durationMs]), [
    [true, 500],
    [true, 500],
    [false, 295],
  ]);
});

Deno.test("LoopMonitor.stop() clears the timer and silences the monitor", async () => {
  const { clock, stalls, monitor } = setup({ intervalMs: 5 });
  monitor.start();
  monitor.start(); // no second timer (the sanitizer would catch a leak)
  assert.equal(monitor.running, true);
  monitor.stop();
  monitor.stop();
  assert.equal(monitor.running, false);
  clock.t += 500;
  await delay(40);
  assert.deepEqual(stalls, []);
  monitor.start(); // restarts from now: no stale drift
  await delay(40);
  monitor[Symbol.dispose]();
  assert.deepEqual(stalls, []);
});

Deno.test("LoopMonitor.start() detects a real busy loop", async () => {
  const stalls: StallReport[] = [];
  using monitor = new LoopMonitor({
    thresholdMs: 100,
    onStall: (r) => stalls.push(r),
  });
  monitor.start();
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* block the loop */ }
  };
  busy(250);
  for (let i = 0; i < 200 && stalls.length === 0; i++) await delay(10);
  assert.ok(stalls.length >= 1);
  assert.equal(stalls[0].attributed, false);
  assert.ok(stalls[0].durationMs > 100);
  stalls.length = 0;
  const ctx = new ContextVar<string>("url");
  const tracked = new LoopMonitor({
    thresholdMs: 100,
    vars: [ctx] as ContextVar<unknown>[],
    onStall: (r) => stalls.push(r),
  });
  using _ = tracked;
  tracked.start();
  ctx.run("slow", () => tracked.track(() => busy(250)));
  assert.equal(stalls.length, 1);
  assert.equal(stalls[0].attributed, true);
  assert.ok(stalls[0].durationMs >= 250);
  assert.deepEqual(stalls[0].context, { url: "slow" });
});

Deno.test("LoopMonitor.start() does not keep the process alive", async () => {
  const url = new URL("../../src/concurrency/loop_monitor.ts", import.meta.url);
  const code = `import { LoopMonitor } from ${JSON.stringify(url.href)};
new LoopMonitor({ onStall() {} }).start();
console.log("started");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill(), 30_000);
  try {
    const out = await child.output();
    assert.equal(out.success, true, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "started");
  } finally {
    clearTimeout(timer);
  }
});
