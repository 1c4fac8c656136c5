/**
 * The examples of README's "Getting content", run as written against a local
 * server: each `ts ignore` block is saved as a module (a block starting with
 * `// NAME.ts` under that name, beside the others), with
 * `https://example.com/` pointing at the server and `@trawl/trawl` at
 * mod.ts, and run with `deno run`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { html, serve, type TestServer } from "../_support/serve.ts";

const ROOT = new URL("../../", import.meta.url);
const SECTION = "## Getting content";

/** The section's TypeScript blocks, in order. */
async function examples(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const start = readme.indexOf(SECTION);
  assert.notEqual(start, -1, `README lacks "${SECTION}"`);
  const end = readme.indexOf("\n## ", start + SECTION.length);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```ts ignore\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function site(): TestServer {
  return serve((_req, url) => {
    if (url.pathname !== "/") return html(`<h1>Page ${url.pathname}</h1>`);
    return html(`<html lang="en"><head><title>Home</title></head><body>
      <nav><a href="/b">b</a> <a href="/2">2</a></nav>
      <main><h1>Hello</h1><p>The article, <a href="/b">a link</a>.</p>
      <h2>One</h2><h2>Two</h2>
      <a rel="next" href="/2">next</a> <a class="more" href="/more">more</a>
      </main><footer>(c)</footer></body></html>`);
  });
}

Deno.test("README's Getting content examples give what their comments say when run against a server", async () => {
  const blocks = await examples();
  assert.equal(blocks.length, 4, "selectors, formats, a hook and its crawl");
  await using srv = site();
  const dir = await Deno.makeTempDir();
  try {
    const mod = new URL("mod.ts", ROOT).href;
    const scripts: string[] = [];
    for (const [i, block] of blocks.entries()) {
      const code = block.replaceAll('"@trawl/trawl"', JSON.stringify(mod))
        .replaceAll("https://example.com/", `${srv.origin}/`);
      const named = /^\/\/ (\w+\.ts)\n/.exec(code);
      const file = `${dir}/${named ? named[1] : `example_${i}.ts`}`;
      await Deno.writeTextFile(file, code);
      if (!named) scripts.push(file);
    }
    const outputs: string[] = [];
    for (const file of scripts) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          `--config=${fileURLToPath(new URL("deno.json", ROOT))}`,
          "--allow-net=127.0.0.1",
          `--allow-read=${dir},${fileURLToPath(new URL("src/", ROOT))}`,
          file,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      outputs.push(text);
    }
    const o = srv.origin;
    const [select, markdown, hook] = outputs;
    assert.match(
      select,
      new RegExp(
        `^${o}/ {"title":"Hello","next":"${o}/2","sections":\\["One","Two"\\]}$`,
        "m",
      ),
    );
    assert.ok(
      markdown.startsWith(`# Hello\n\nThe article, [a link](${o}/b).`),
      markdown,
    );
    assert.match(
      hook,
      new RegExp(`^${o}/ {"h1":"Hello","paragraphs":1}$`, "m"),
    );
    assert.match(hook, new RegExp(`^${o}/more {"h1":"Page /more"`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
