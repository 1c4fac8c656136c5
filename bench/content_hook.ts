// The extraction hook content_bench.ts runs: it reads every page through its
// DOM (so each page pays for a standard `document`), as a user's hook would.
import type { Page } from "../mod.ts";

export default (page: Page) => {
  const doc = page.document;
  return {
    h1: doc.querySelector("h1")?.textContent ?? null,
    paragraphs: doc.querySelectorAll("p").length,
    firstRef: doc.querySelector("a.ref")?.getAttribute("href") ?? null,
  };
};
