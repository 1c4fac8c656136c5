/** Returns an object merged over the selectors' values, or an array on `/array`. */
import type { Page } from "../../../src/content/page.ts";

export default (page: Page) =>
  new URL(page.url).pathname === "/array"
    ? [1, 2]
    : { title: "from hook", extra: 1 };
