// Bytes per URL of the frontier's dedupe set: FingerprintSet against a
// Set<string>, for 1,000,000 distinct URLs of a realistic shape.
//   deno run --v8-flags=--expose-gc bench/dedupe_bench.ts [COUNT]
import { FingerprintSet } from "../src/frontier/fingerprint_set.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
// deno-lint-ignore no-explicit-any
const gc = (globalThis as any).gc as (() => void) | undefined;
if (!gc) {
  console.error("bench: run with --v8-flags=--expose-gc");
  Deno.exit(2);
}
const url = (i: number) =>
  `https://www.example.com/section-${
    i % 97
  }/articles/${i}-some-title.html?ref=${i % 13}`;

/**
 * A full GC, then a wait for V8 to free the array buffers it found dead
 * (that runs concurrently: a table the set grew out of may still count as
 * external memory just after the GC).
 */
async function settle(): Promise<void> {
  gc!();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc!();
}

async function measure(name: string, fill: () => unknown): Promise<void> {
  await settle();
  const before = Deno.memoryUsage();
  const t0 = performance.now();
  const kept = fill();
  const ms = performance.now() - t0;
  await settle();
  const after = Deno.memoryUsage();
  const bytes = (after.heapUsed - before.heapUsed) +
    (after.external - before.external);
  console.log(
    `${name.padEnd(16)} ${(bytes / count).toFixed(1).padStart(6)} bytes/URL  ${
      (count / ms * 1000 / 1e6).toFixed(2)
    } M adds/s`,
  );
  if (!kept) throw new Error("unreachable");
}

await measure("Set<string>", () => {
  const s = new Set<string>();
  for (let i = 0; i < count; i++) s.add(url(i));
  return s;
});
await measure("FingerprintSet", () => {
  const s = new FingerprintSet();
  for (let i = 0; i < count; i++) s.add(url(i));
  return s;
});
