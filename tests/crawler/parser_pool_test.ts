import assert from "node:assert/strict";
import { parserPoolOptions } from "../../src/crawler/parser_pool.ts";
import { parseCliArgs } from "../../src/cli/args.ts";
import { resolveOptions } from "../../src/crawler/resolve_options.ts";

function youngMb(pages?: Parameters<typeof parserPoolOptions>[2]) {
  return parserPoolOptions(1, "inherit", pages).resourceLimits
    ?.maxYoungGenerationSizeMb;
}

Deno.test("parserPoolOptions() gives workers that only scan for links a smaller young generation than workers that build trees or WARC blocks", () => {
  const scan = youngMb();
  assert.equal(scan, 4);
  for (const pages of [{}, { content: "html" as const }]) {
    assert.equal(youngMb(pages), scan, JSON.stringify(pages));
  }
  for (
    const pages of [
      { content: "markdown" as const },
      { content: "text" as const },
      { content: "html" as const, mainContent: true },
      { select: { title: "h1" } },
      { extract: "file:///extract.ts" },
      { warc: "crawl.warc.gz" },
    ]
  ) {
    assert.equal(youngMb(pages), 8, JSON.stringify(pages));
  }
  assert.equal(parserPoolOptions(1, "none").resourceLimits, undefined);
});

Deno.test("the CLI's parser options size the workers' heap as the crawl's own options do", () => {
  // The main thread starts the first parser worker from the command line
  // (crawl_thread.ts), the crawl thread asks for it with its resolved
  // options: the same heap lets it take the worker already started.
  for (
    const flags of [[], ["--content", "markdown"], ["--select", "t=h1"], [
      "--content",
      "html",
      "--main-content",
    ], ["--warc", "crawl.warc.gz"]]
  ) {
    const { options } = parseCliArgs([...flags, "http://a.test/"]);
    const scanOnly = flags.length === 0;
    assert.equal(youngMb(options), scanOnly ? 4 : 8, flags.join(" "));
    assert.equal(youngMb(resolveOptions(options)), youngMb(options));
  }
});
