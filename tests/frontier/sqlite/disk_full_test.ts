// A full disk under a --state crawl: the crawl fails with a DiskFullError
// that names the state file, not with SQLite's follow-on "cannot commit - no
// transaction is active". Needs a small tmpfs, so root (CI runs as root);
// skipped where mount is refused.
import assert from "node:assert/strict";
import { crawl } from "../../../mod.ts";
import { SqliteStore } from "../../../src/sqlite.ts";
import { DiskFullError } from "../../../src/io/disk_full_error.ts";
import { html, serve } from "../../_support/serve.ts";
import { canMount, tmpfs } from "../../_support/tmpfs.ts";

Deno.test({
  name:
    "SqliteStore names a full disk: the crawl fails with 'no space left on device while writing PATH'",
  ignore: !canMount,
  async fn() {
    await using fs = await tmpfs("600k");
    // Leave a little room: the state starts, then runs out.
    await Deno.writeFile(`${fs.dir}/filler`, new Uint8Array(420 * 1024));
    const long = "x".repeat(2_000);
    await using srv = serve((_req, url) => {
      if (url.pathname === "/robots.txt") {
        return new Response("", { status: 404 });
      }
      const n = Number(url.pathname.slice(1)) || 0;
      const links = Array.from(
        { length: 20 },
        (_, i) => `<a href="/${n * 20 + i + 1}?${long}">x</a>`,
      );
      return html(`<title>${long}</title>${links.join("")}`);
    });
    const path = `${fs.dir}/crawl.db`;
    const error = await (async () => {
      try {
        await using store = new SqliteStore(path);
        for await (
          const _ of crawl([`${srv.origin}/`], {
            store,
            workers: 0,
            maxPages: 5_000,
            logLevel: "silent",
          })
        ) { /* the results */ }
      } catch (err) {
        return err;
      }
    })();
    assert.ok(error instanceof DiskFullError, String(error));
    assert.equal(
      error.message,
      `no space left on device while writing ${path}`,
    );
    assert.equal(error.path, path);
  },
});
