// The link checker's ledger: referrers kept for broken links only, each
// page once; fragments checked when the target page's anchors arrive,
// before or after the reference.
import assert from "node:assert/strict";
import { LinkBook, MISSING_FRAGMENT } from "../../src/check/link_book.ts";

Deno.test("LinkBook.settle() keeps the referrers of a broken URL, each page once, and drops those of a fine one", () => {
  const book = new LinkBook();
  assert.equal(
    book.refer("https://a.test/x", { page: "https://a.test/" }),
    "new",
  );
  assert.equal(
    book.refer("https://a.test/x", { page: "https://a.test/", text: "again" }),
    "waiting",
  );
  book.refer("https://a.test/ok", { page: "https://a.test/" });
  book.settle("https://a.test/x", { kind: "broken", status: 500 });
  book.settle("https://a.test/ok", { kind: "ok" });
  assert.equal(
    book.refer("https://a.test/ok", { page: "https://a.test/b" }),
    "settled",
  );
  book.refer("https://a.test/x", { page: "https://a.test/b" });
  assert.deepEqual(book.finish(), [{
    url: "https://a.test/x",
    status: 500,
    referrers: [{ page: "https://a.test/" }, { page: "https://a.test/b" }],
  }]);
  const stats = book.stats;
  assert.equal(stats.checked, 2);
  assert.equal(stats.ok, 1);
  assert.equal(stats.broken, 1);
});

Deno.test("LinkBook.referFragment() checks a fragment whether the page's anchors come before or after it", () => {
  const book = new LinkBook();
  const from = { page: "https://a.test/" };
  book.referFragment("https://a.test/p", "later", from); // waits
  book.referFragment("https://a.test/p", "gone", from);
  book.anchorsOf("https://a.test/p", ["later", "caf\u00e9"], 200);
  book.referFragment("https://a.test/p", "caf%C3%A9", from); // decoded
  book.referFragment("https://a.test/p", "top", from); // always there
  book.referFragment("https://a.test/p", "missing", {
    page: "https://a.test/2",
  });
  book.referFragment("https://b.test/never-crawled", "x", from);
  const broken = book.finish();
  assert.deepEqual(broken.map((b) => b.url), [
    "https://a.test/p#gone",
    "https://a.test/p#missing",
  ]);
  assert.equal(broken[0].status, 200);
  assert.equal(broken[0].error?.name, MISSING_FRAGMENT);
  assert.equal(book.stats.fragments, 4);
  assert.equal(book.stats.fragmentsUnchecked, 1);
});

Deno.test("LinkBook.settle() counts skipped references by reason", () => {
  const book = new LinkBook();
  book.refer("https://a.test/private", { page: "https://a.test/" });
  book.settle("https://a.test/private", { kind: "skipped", reason: "robots" });
  book.refer("https://a.test/private", { page: "https://a.test/b" });
  assert.deepEqual(book.finish(), []);
  assert.deepEqual(book.stats.skipped, { robots: 2 });
});
