// A full disk under the command: --out and --report name their file, and
// the command exits with the state/frontier code (3). Needs a small tmpfs
// (root); skipped where mount is refused.
import assert from "node:assert/strict";
import { startCli } from "../_support/cli_process.ts";
import { serveGeneratedSite } from "../_support/generated_site.ts";
import { canMount, tmpfs } from "../_support/tmpfs.ts";

for (const flag of ["--out", "--report"]) {
  Deno.test({
    name:
      `trawl exits 3 with 'no space left on device while writing PATH' when ${flag} fills the disk`,
    ignore: !canMount,
    async fn() {
      await using fs = await tmpfs("64k");
      await Deno.writeFile(`${fs.dir}/filler`, new Uint8Array(60 * 1024));
      await using site = serveGeneratedSite({ pages: 200 });
      const path = `${fs.dir}/${flag === "--out" ? "out.jsonl" : "r.html"}`;
      await using cli = startCli(
        ["--workers", "0", "--quiet", flag, path, site.seed],
        ["--allow-net=127.0.0.1", `--allow-write=${fs.dir}`],
        60_000,
      );
      const { code, text } = await cli.output;
      assert.equal(code, 3, text);
      assert.ok(
        text.includes(`no space left on device while writing ${path}`),
        text,
      );
    },
  });
}
