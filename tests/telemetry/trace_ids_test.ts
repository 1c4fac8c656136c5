// A found URL keeps the trace and span of the page that found it through
// every store's encoding, so its span can link to the referring page's.
import assert from "node:assert/strict";
import type { FrontierEntry } from "../../src/frontier/store.ts";
import { decodeClaimed, encodeEntry } from "../../src/frontier/redis/codec.ts";
import { entryOf, parentColumn } from "../../src/frontier/sqlite/codec.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";
const FOUND: FrontierEntry = {
  url: "https://a.test/x",
  host: "a.test",
  depth: 2,
  referrer: "https://a.test/",
  parentSpanId: SPAN,
  parentTraceId: TRACE,
};

Deno.test("parentColumn() stores the referring trace and span, and entryOf() reads them back", () => {
  assert.equal(parentColumn(FOUND), `${TRACE}:${SPAN}`);
  const { parentTraceId: _, ...untraced } = FOUND;
  assert.equal(parentColumn(untraced), SPAN);
  const row = (parent: string | null) => ({
    id: 7,
    url: FOUND.url,
    host: FOUND.host,
    depth: FOUND.depth,
    referrer: FOUND.referrer!,
    parent,
    sitemap: null,
    via: null,
    lastmod: null,
    etag: null,
    last_modified: null,
  });
  assert.deepEqual(entryOf(row(parentColumn(FOUND))), { id: 7, ...FOUND });
  assert.deepEqual(entryOf(row(SPAN)), { id: 7, ...untraced });
});

Deno.test("encodeEntry() keeps the referring trace and span, and decodeClaimed() reads them back", () => {
  const raw = `${FOUND.host}\n${encodeEntry(FOUND)}`;
  assert.deepEqual(decodeClaimed(raw), FOUND);
  const { parentTraceId: _, ...untraced } = FOUND;
  assert.deepEqual(
    decodeClaimed(`${FOUND.host}\n${encodeEntry(untraced)}`),
    untraced,
  );
});
