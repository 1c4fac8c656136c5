// The report in a real browser: headless Chromium (Debian's `chromium`)
// loads the page with the network off, and the test fails on any console
// error or uncaught exception, or when the page's script did not run to its
// end. Also writes a screenshot (REPORT_SCREENSHOT=path keeps it). Under CI
// a missing chromium fails the test; elsewhere the test is skipped.
import assert from "node:assert/strict";
import { CrawlReport } from "../../src/report/crawl_report.ts";
import { renderReport } from "../../src/report/render_html.ts";
import { sampleResult } from "./_sample.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
const inCi = Boolean(Deno.env.get("CI"));

/** Runs headless Chromium on `file` with `extra` flags. */
async function chromium(file: string, profile: string, extra: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Every host name resolves to nothing: the page must not need one.
      "--host-resolver-rules=MAP * ~NOTFOUND",
      `--user-data-dir=${profile}`,
      "--enable-logging=stderr",
      "--v=0",
      ...extra,
      `file://${file}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/** A report with every section filled. */
function sampleReport(): string {
  const report = new CrawlReport();
  for (let i = 1; i <= 5_000; i++) report.add(sampleResult(i));
  report.noteLog({
    level: "warn",
    message: "host answered HTTP 429: slowing down",
    time: 0,
    host: "site1.test",
    rate: 4,
  });
  for (let i = 0; i < 3; i++) {
    report.addBroken({
      url: `https://site0.test/gone/${i}#frag`,
      status: 404,
      error: { name: "MissingFragment", message: "no element with id" },
      referrers: [{ page: "https://site0.test/", text: "a link" }],
    });
  }
  return renderReport(report, {
    title: "trawl check",
    seeds: ["https://site0.test/"],
    generatedAt: Date.UTC(2026, 0, 1),
  });
}

Deno.test({
  name:
    "renderReport() renders in headless Chromium without a console error, network or a failed script",
  ignore: !haveChromium && !inCi,
  async fn() {
    assert.ok(haveChromium, `${CHROMIUM} is missing (install chromium)`);
    const dir = await Deno.makeTempDir({ prefix: "trawl-report-" });
    try {
      const file = `${dir}/report.html`;
      await Deno.writeTextFile(file, sampleReport());
      const dump = await chromium(file, `${dir}/profile`, ["--dump-dom"]);
      assert.equal(dump.code, 0, dump.stderr);
      const consoleErrors = dump.stderr.split("\n").filter((line) =>
        /CONSOLE|Uncaught|Refused to/.test(line)
      );
      assert.deepEqual(consoleErrors, [], dump.stderr);
      assert.match(dump.stdout, /<html[^>]*data-ready="true"/);
      for (
        const heading of [
          "Totals",
          "Status classes",
          "Pages per second",
          "Time to first byte",
          "Total time",
          "Depth",
          "Errors by kind",
          "Skipped by reason",
          "Hosts",
          "Slowest pages",
          "Largest pages",
          "Broken links",
          "Redirects",
        ]
      ) {
        assert.ok(dump.stdout.includes(`<h2>${heading}</h2>`), heading);
      }
      const shot = Deno.env.get("REPORT_SCREENSHOT") ?? `${dir}/shot.png`;
      const screenshot = await chromium(file, `${dir}/profile2`, [
        `--screenshot=${shot}`,
        "--window-size=1280,2400",
        "--hide-scrollbars",
      ]);
      assert.equal(screenshot.code, 0, screenshot.stderr);
      assert.ok((await Deno.stat(shot)).size > 10_000);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
