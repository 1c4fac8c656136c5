// What importing the library loads: neither SQLite nor Redis until a crawl
// asks for them. The module graphs come from `deno info --json`, run in a
// subprocess; only imports that load with the module are followed (not
// dynamic `import()`, not type-only imports).
import assert from "node:assert/strict";

interface Dependency {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}

interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

interface Graph {
  roots: string[];
  modules: ModuleInfo[];
  redirects: Record<string, string>;
}

const ROOT = new URL("../../", import.meta.url);

async function graphOf(path: string): Promise<Graph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(path, ROOT).href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * The modules loaded with the graph's root: its static imports, followed
 * transitively, except the edges `skip` names.
 */
function loaded(
  graph: Graph,
  skip: (from: string, to: string) => boolean = () => false,
): Set<string> {
  const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
  const root = graph.roots[0];
  const seen = new Set([root]);
  const todo = [root];
  while (todo.length > 0) {
    const from = todo.pop()!;
    for (const dep of modules.get(from)?.dependencies ?? []) {
      const raw = dep.code?.specifier;
      if (raw === undefined || dep.isDynamic) continue;
      const to = graph.redirects[raw] ?? raw;
      if (seen.has(to) || skip(from, to)) continue;
      seen.add(to);
      todo.push(to);
    }
  }
  return seen;
}

/** The loaded modules that are SQLite or Redis. */
function storeModules(modules: Set<string>): string[] {
  return [...modules].filter((m) =>
    m === "node:sqlite" || m.endsWith("/sqlite_store.ts") || /redis/i.test(m)
  );
}

Deno.test("crawl() loads node:sqlite only when a crawl with state starts", async () => {
  const graph = await graphOf("src/crawler/crawler.ts");
  assert.deepEqual(storeModules(loaded(graph)), []);
  // The SQLite store is still reachable, by a dynamic import.
  const lazy = graph.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) =>
      d.isDynamic && d.code?.specifier.endsWith("/sqlite_store.ts")
    ).map(() => m.specifier.replace(ROOT.href, ""))
  );
  assert.deepEqual(lazy, ["src/crawler/state_file.ts"]);
});

Deno.test("mod.ts loads neither node:sqlite nor a Redis module when imported", async () => {
  const graph = await graphOf("mod.ts");
  assert.deepEqual(storeModules(loaded(graph)), []);
});

Deno.test("crawl() loads the public suffix list (tldts) only for the domain scope", async () => {
  const graph = await graphOf("src/crawler/crawler.ts");
  assert.deepEqual([...loaded(graph)].filter((m) => /tldts/.test(m)), []);
  const lazy = graph.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) =>
      d.isDynamic && /tldts/.test(d.code?.specifier ?? "")
    ).map(() => m.specifier.replace(ROOT.href, ""))
  );
  assert.deepEqual(lazy, ["src/guards/registrable_domain.ts"]);
});

Deno.test("cli.ts loads neither the crawler nor an npm package before it starts the crawl thread", async () => {
  // Except css-what (2 ms), which the flag table checks --select's CSS with;
  // the selector engine (css-select, 16 ms) loads only when a crawl selects.
  const heavy = [...loaded(await graphOf("cli.ts"))].filter((m) =>
    (m.startsWith("npm:") && !m.startsWith("npm:/css-what@")) ||
    /\/src\/(crawler\/crawler|frontier\/frontier|crawler\/resolve_options)\.ts$/
      .test(m)
  );
  assert.deepEqual(heavy, []);
});

Deno.test("crawl() loads htmlparser2 only to parse a page or a sitemap on its own thread", async () => {
  const graph = await graphOf("src/crawler/crawler.ts");
  assert.deepEqual([...loaded(graph)].filter((m) => /htmlparser2/.test(m)), []);
});

Deno.test("crawl() loads the selector engine (css-select) only when a crawl selects", async () => {
  const graph = await graphOf("src/crawler/crawler.ts");
  assert.deepEqual([...loaded(graph)].filter((m) => /css-select/.test(m)), []);
});
