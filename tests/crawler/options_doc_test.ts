// The `@default` tags of the option docs (src/crawler/options.ts) against
// DEFAULTS, the values the crawler really uses: the docs cannot drift.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULTS } from "../../src/crawler/defaults.ts";

interface DocProperty {
  name: string;
  jsDoc?: { tags?: { kind: string; value?: string }[] };
  tsType?: { repr?: string; kind?: string; value?: unknown };
}

/** The option interfaces of options.ts, by name, from `deno doc --json`. */
async function optionDocs(): Promise<Map<string, DocProperty[]>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "src/crawler/options.ts"],
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const doc = JSON.parse(new TextDecoder().decode(stdout));
  const interfaces = new Map<string, DocProperty[]>();
  for (const node of Object.values(doc.nodes) as { symbols: unknown[] }[]) {
    for (const symbol of node.symbols as Record<string, unknown>[]) {
      for (const decl of symbol.declarations as Record<string, unknown>[]) {
        if (decl.kind !== "interface") continue;
        const def = decl.def as { properties: DocProperty[] };
        interfaces.set(symbol.name as string, def.properties);
      }
    }
  }
  return interfaces;
}

/** A `@default` tag's value as a value, or `undefined` for an expression. */
function literal(text: string): unknown {
  if (text === "Infinity") return Infinity;
  try {
    // Object literals with bare keys, as the docs write them.
    return JSON.parse(text.replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":'));
  } catch {
    return undefined; // an expression: `DEFAULT_SKIP_EXTENSIONS`, `systemClock`
  }
}

function documented(property: DocProperty | undefined): unknown {
  const tag = property?.jsDoc?.tags?.find((t) => t.kind === "default");
  return tag?.value === undefined ? undefined : literal(tag.value);
}

/** The interface a property's type names (`HostCircuitOptions | false` too). */
function typeName(property: DocProperty): string | undefined {
  const type = property.tsType;
  const types = type?.kind === "union"
    ? type.value as { kind?: string; repr?: string }[]
    : [type ?? {}];
  return types.find((t) => t.kind === "typeRef")?.repr;
}

Deno.test("CrawlOptions documents every default of DEFAULTS with its value", async () => {
  const docs = await optionDocs();
  const crawl = docs.get("CrawlOptions")!;
  let checked = 0;
  for (const [key, value] of Object.entries(DEFAULTS)) {
    const property = crawl.find((p) => p.name === key);
    assert.ok(property, `CrawlOptions lacks ${key}`);
    if (typeof value !== "object") {
      assert.deepEqual(documented(property), value, `@default of ${key}`);
      checked++;
      continue;
    }
    const nested = docs.get(typeName(property) ?? "");
    assert.ok(nested, `no interface documents ${key}`);
    for (const [sub, subValue] of Object.entries(value)) {
      const p: DocProperty | undefined = nested.find((n) => n.name === sub);
      assert.deepEqual(documented(p), subValue, `@default of ${key}.${sub}`);
      checked++;
    }
    const whole = documented(property);
    if (whole !== undefined) {
      assert.deepEqual(whole, value, `@default of ${key}`);
    }
  }
  assert.ok(checked >= 25, `only ${checked} defaults checked`);
});

Deno.test("CrawlOptions documents no fixed default that DEFAULTS lacks", async () => {
  const docs = await optionDocs();
  for (const property of docs.get("CrawlOptions")!) {
    const value = documented(property);
    if (value === undefined) continue; // none, or an expression
    assert.ok(
      property.name in DEFAULTS,
      `@default of ${property.name} is ${
        JSON.stringify(value)
      }, not in DEFAULTS`,
    );
  }
});
