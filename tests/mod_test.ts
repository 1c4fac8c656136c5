// The package's entry points: what each exports, and what importing it
// loads (read from `deno doc --json` and `deno info --json`).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function deno(...args: string[]): Promise<unknown> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier: string };
    isDynamic?: boolean;
  }[];
}

/** Every module `entry` loads when imported: dynamic imports not followed. */
async function staticGraph(entry: string): Promise<Set<string>> {
  const info = await deno("info", "--json", entry) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    const resolved = info.redirects[specifier] ?? specifier;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    for (const dep of modules.get(resolved)?.dependencies ?? []) {
      if (dep.code !== undefined && !dep.isDynamic) visit(dep.code.specifier);
    }
  };
  info.roots.forEach(visit);
  return seen;
}

const redis = (specifier: string) =>
  /^npm:\/?(@redis\/|redis@)/.test(specifier);

Deno.test("mod.ts exports at most 60 names", async () => {
  const doc = await deno("doc", "--json", "mod.ts") as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  const names = new Set(
    Object.values(doc.nodes).flatMap((n) => n.symbols.map((s) => s.name)),
  );
  assert.ok(names.size <= 60, `${names.size} names: ${[...names].join(" ")}`);
  for (const name of ["crawl", "Crawler", "normalizeUrl", "parseRobotsTxt"]) {
    assert.ok(names.has(name), name);
  }
  for (const name of ["Frontier", "FrontierJournal", "packPage", "traceVar"]) {
    assert.ok(!names.has(name), `${name} is internal`);
  }
});

Deno.test("mod.ts loads no Redis client when imported", async () => {
  const graph = await staticGraph("mod.ts");
  assert.ok([...graph].some((s) => s.startsWith("npm:/htmlparser2@")));
  assert.deepEqual([...graph].filter(redis), []);
});

/**
 * What a plain crawl of the command loads: cli.ts, then these modules with
 * `import()` or as a worker (the crawl thread, the parser workers), each
 * with what it imports.
 */
const PLAIN_CRAWL = [
  "cli.ts",
  "src/cli/crawl_thread_worker.ts",
  "src/cli/command.ts",
  "src/cli/crawl_command.ts",
  "src/crawler/crawler.ts",
  "src/parse/parse_worker.ts",
];

async function plainCrawlGraph(): Promise<string[]> {
  const graphs = await Promise.all(PLAIN_CRAWL.map(staticGraph));
  return [...new Set(graphs.flatMap((g) => [...g]))];
}

Deno.test("main() loads the Redis client only for --frontier and status", async () => {
  const graph = await plainCrawlGraph();
  assert.ok(graph.some((s) => s.startsWith("npm:/htmlparser2@")));
  assert.ok(graph.some((s) => s.endsWith("/src/cli/flags.ts")));
  assert.deepEqual(graph.filter(redis), []);
});

Deno.test("mod.ts and main() load node:sqlite only for a state", async () => {
  assert.ok(!(await staticGraph("mod.ts")).has("node:sqlite"));
  assert.ok(!(await plainCrawlGraph()).includes("node:sqlite"));
});

/** Every module `entry` names, dynamic imports followed. */
async function fullGraph(entry: string): Promise<string[]> {
  const info = await deno("info", "--json", entry) as { modules: InfoModule[] };
  return info.modules.map((m) => m.specifier);
}

Deno.test("cli.ts names no Redis package in any module graph, so a plain crawl never downloads it", async () => {
  // Deno downloads every npm package a graph names, literal import()s
  // included: the Redis client is loaded by a specifier built at run time.
  const graph = await fullGraph("cli.ts");
  assert.ok(graph.some((s) => s.endsWith("/src/frontier/redis/link.ts")));
  assert.deepEqual(graph.filter(redis), []);
});

Deno.test("REDIS_PACKAGE is the range deno.json imports", async () => {
  const { REDIS_PACKAGE } = await import(
    "../src/frontier/redis/redis_module.ts"
  );
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  assert.equal(REDIS_PACKAGE, config.imports.redis);
});
