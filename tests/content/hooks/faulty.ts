/**
 * A hook that fails on some pages, as its path says: `/throw`, `/function`,
 * `/symbol`, `/bigint`, `/cycle`, `/hang-async`, `/hang-sync`, `/crash` (ends its worker),
 * `/stray` (throws from a timer after returning); any other page gives
 * `{ ok: path }`.
 */
import type { Page } from "../../../src/content/page.ts";

export default (page: Page): unknown => {
  const path = new URL(page.url).pathname;
  switch (path) {
    case "/throw":
      throw new RangeError("no good");
    case "/function":
      return () => 1;
    case "/symbol":
      return Symbol("s");
    case "/bigint":
      return { n: 1n };
    case "/cycle": {
      const a: Record<string, unknown> = {};
      a.self = a;
      return a;
    }
    case "/hang-async":
      return new Promise(() => {});
    case "/hang-sync":
      for (;;) { /* blocks the thread */ }
    case "/crash":
      Deno.exit(3);
      break;
    case "/stray":
      setTimeout(() => {
        throw new Error("stray");
      }, 0);
      break;
  }
  return { ok: path };
};
