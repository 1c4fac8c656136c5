/**
 * `syncOutput` on temporary files against a fake ledger: cutting partial and
 * corrupt tails, noting lines the store lacks, appending what the file
 * lacks, counting repeats, and big files read in several chunks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ResultLedger,
  syncOutput,
  type SyncReport,
} from "../../../src/cli/output/output_repair.ts";
import type { StoredResult } from "../../../src/frontier/sqlite/sqlite_store.ts";

/** An in-memory ledger: committed results in commit order. */
class FakeLedger implements ResultLedger {
  readonly done = new Map<string, string>();
  /** URLs of kept lines the ledger lacks, as `syncOutput` reported them. */
  readonly uncommitted = new Set<string>();

  constructor(lines: string[] = []) {
    for (const line of lines) this.done.set(JSON.parse(line).url, line);
  }
  isDone(url: string): boolean {
    return this.done.has(url);
  }
  *results(): Iterable<StoredResult> {
    for (const [url, json] of this.done) yield { url, json };
  }
}

/** A result line for `/n` (`pad` grows it). */
function line(n: number, pad = 0, extra = ""): string {
  return JSON.stringify({
    url: `https://a.example/${n}`,
    finalUrl: `https://a.example/${n}`,
    status: 200,
    depth: 1,
    title: `Page ${n} ${extra}${"x".repeat(pad)}`,
  });
}

function lines(...ns: number[]): string[] {
  return ns.map((n) => line(n));
}

function file(list: string[]): string {
  return list.map((l) => l + "\n").join("");
}

/** Writes `content` to a temp file, syncs it, returns the report and text. */
async function sync(
  content: string | Uint8Array,
  ledger: FakeLedger,
  after?: (f: Deno.FsFile) => Promise<void>,
): Promise<{ report: SyncReport; text: string }> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_sync_" });
  try {
    const path = join(dir, "out.jsonl");
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    let report: SyncReport;
    {
      using f = await Deno.open(path, { read: true, write: true });
      report = await syncOutput(f, ledger, undefined, ledger.uncommitted);
      await after?.(f);
    }
    return { report, text: await Deno.readTextFile(path) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ZERO: SyncReport = {
  kept: 0,
  cutBytes: 0,
  appended: 0,
  uncommitted: 0,
  duplicates: 0,
};

Deno.test("syncOutput() leaves an empty file empty when the ledger is empty", async () => {
  const { report, text } = await sync("", new FakeLedger());
  assert.deepEqual(report, ZERO);
  assert.equal(text, "");
});

Deno.test("syncOutput() gives an empty file every committed result, in commit order", async () => {
  const ledger = new FakeLedger(lines(3, 1, 2));
  const { report, text } = await sync("", ledger);
  assert.deepEqual(report, { ...ZERO, appended: 3 });
  assert.equal(text, file(lines(3, 1, 2)));
});

Deno.test("syncOutput() leaves a file in line with the ledger as it is", async () => {
  const all = lines(1, 2, 3);
  const { report, text } = await sync(file(all), new FakeLedger(all));
  assert.deepEqual(report, { ...ZERO, kept: 3 });
  assert.equal(text, file(all));
});

Deno.test("syncOutput() cuts a partial last line, then appends the ledger's copy", async () => {
  const all = lines(1, 2, 3);
  const partial = all[2].slice(0, 25);
  const { report, text } = await sync(
    file(all.slice(0, 2)) + partial,
    new FakeLedger(all),
  );
  assert.deepEqual(report, {
    ...ZERO,
    kept: 2,
    cutBytes: partial.length,
    appended: 1,
  });
  assert.equal(text, file(all));
});

Deno.test("syncOutput() cuts a complete last line without its newline too (and re-appends it when committed)", async () => {
  const all = lines(1, 2);
  const { report, text } = await sync(
    file(all).slice(0, -1),
    new FakeLedger(all),
  );
  assert.deepEqual(report, {
    ...ZERO,
    kept: 1,
    cutBytes: all[1].length,
    appended: 1,
  });
  assert.equal(text, file(all));
  // Not committed: cut and gone (the crawl fetches it again).
  const lost = await sync(file(all).slice(0, -1), new FakeLedger(lines(1)));
  assert.deepEqual(lost.report, { ...ZERO, kept: 1, cutBytes: all[1].length });
  assert.equal(lost.text, file(lines(1)));
});

Deno.test("syncOutput() cuts a garbage tail (binary, not JSON, JSON but no result)", async () => {
  const all = lines(1, 2);
  const tails = [
    new Uint8Array([0, 0, 0xff, 0xfe, 0x0a, 0x00]),
    "garbage\n",
    "{not json}\n",
    '{"url":"https://a.example/9"}\n', // no status: not a result
    '{"status":200}\n', // no url
    "[1,2]\n",
    "\n",
    ' {"url":"https://a.example/9","status":200}\n', // leading space
  ];
  for (const tail of tails) {
    const head = new TextEncoder().encode(file(all));
    const bytes = typeof tail === "string"
      ? new TextEncoder().encode(tail)
      : tail;
    const content = new Uint8Array(head.length + bytes.length);
    content.set(head);
    content.set(bytes, head.length);
    const ledger = new FakeLedger(all);
    const { report, text } = await sync(content, ledger);
    assert.deepEqual(
      report,
      { ...ZERO, kept: 2, cutBytes: bytes.length },
      JSON.stringify(tail),
    );
    assert.equal(text, file(all));
    assert.deepEqual([...ledger.uncommitted], []);
  }
});

Deno.test("syncOutput() cuts the file from a corrupt line in the middle and re-appends the rest from the ledger", async () => {
  const all = lines(1, 2, 3, 4, 5);
  const broken = [...all];
  broken[2] = broken[2].slice(0, 10) + "\u0000" + broken[2].slice(11);
  const ledger = new FakeLedger(all);
  const { report, text } = await sync(file(broken), ledger);
  const cut = new TextEncoder().encode(file(broken.slice(2))).length;
  assert.deepEqual(report, { ...ZERO, kept: 2, cutBytes: cut, appended: 3 });
  assert.equal(text, file(all));
  assert.deepEqual([...ledger.uncommitted], []);
});

Deno.test("syncOutput() keeps lines the ledger lacks and reports them as uncommitted, not appended again", async () => {
  const ledger = new FakeLedger(lines(1));
  const { report, text } = await sync(file(lines(1, 2, 3)), ledger);
  assert.deepEqual(report, { ...ZERO, kept: 3, uncommitted: 2 });
  assert.deepEqual([...ledger.uncommitted], [
    "https://a.example/2",
    "https://a.example/3",
  ]);
  assert.equal(ledger.done.has("https://a.example/3"), false, "not adopted");
  assert.equal(text, file(lines(1, 2, 3)));
});

Deno.test("syncOutput() appends committed results missing from the file after it", async () => {
  const ledger = new FakeLedger(lines(1, 2, 3, 4));
  const { report, text } = await sync(file(lines(3, 1)), ledger);
  assert.deepEqual(report, { ...ZERO, kept: 2, appended: 2 });
  assert.equal(text, file(lines(3, 1, 2, 4)));
});

Deno.test("syncOutput() counts repeated lines and leaves them alone", async () => {
  const ledger = new FakeLedger(lines(1, 2));
  const { report, text } = await sync(file(lines(1, 2, 1, 1)), ledger);
  assert.deepEqual(report, { ...ZERO, kept: 4, duplicates: 2 });
  assert.equal(text, file(lines(1, 2, 1, 1)));
});

Deno.test("syncOutput() leaves the file positioned at its end for appending", async () => {
  const all = lines(1, 2, 3);
  const { text } = await sync(
    file(all.slice(0, 2)) + "partial",
    new FakeLedger(all),
    async (f) => {
      await f.write(new TextEncoder().encode(line(4) + "\n"));
    },
  );
  assert.equal(text, file(lines(1, 2, 3, 4)));
});

Deno.test("syncOutput() reads a file of several MiB whole (lines across read chunks, multi-byte text) and cuts exactly at a corrupt line past the first chunk", async () => {
  // ~1.5 KiB lines with 2-, 3- and 4-byte characters: chunk boundaries
  // (1 MiB) fall inside lines and inside characters.
  const all = Array.from(
    { length: 3000 },
    (_, n) => line(n, n % 97, "é€🦀".repeat(n % 400)),
  );
  const bytes = new TextEncoder().encode(file(all));
  assert.ok(bytes.length > 3 * (1 << 20), `${bytes.length} bytes`);
  const whole = await sync(bytes, new FakeLedger(all));
  assert.deepEqual(whole.report, { ...ZERO, kept: 3000 });
  assert.equal(whole.text, file(all));

  // Break line 2500 (well past 1 MiB): everything from it is cut, then the
  // ledger (which has all) appends the rest, in its order.
  const broken = [...all];
  broken[2500] = broken[2500].replace("🦀", "\u{fffd}\u{fffd}").slice(0, -1);
  const offset = new TextEncoder().encode(file(all.slice(0, 2500))).length;
  assert.ok(offset > 1 << 20);
  const content = new TextEncoder().encode(file(broken));
  const cut = await sync(content, new FakeLedger(all));
  assert.deepEqual(cut.report, {
    ...ZERO,
    kept: 2500,
    cutBytes: content.length - offset,
    appended: 500,
  });
  assert.equal(cut.text, file(all));

  // An empty file and a big ledger: appended in several writes.
  const empty = await sync("", new FakeLedger(all));
  assert.deepEqual(empty.report, { ...ZERO, appended: 3000 });
  assert.equal(empty.text, file(all));
});
