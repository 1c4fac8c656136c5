/** Reads the page through its DOM, its response and its links; follows one URL. */
import type { Page } from "../../../src/content/page.ts";

export default (page: Page) => {
  if (new URL(page.url).pathname === "/") page.follow("/followed");
  return {
    h1: page.document.querySelector("h1")?.textContent ?? null,
    url: page.url,
    finalUrl: page.finalUrl,
    status: page.status,
    header: page.headers.get("x-test"),
    links: page.links.map((l) => l.url),
    htmlLength: page.html.length,
  };
};
