/**
 * Tables: which hold data (written as GFM tables) and which only lay out a
 * page (written as the blocks they hold).
 *
 * @module
 */
import type { Element } from "domhandler";

const HEADINGS: ReadonlySet<string> = new Set([
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
]);

/** Cells in one row of `tr` (its `td`/`th` children). */
function cellCount(tr: Element): number {
  let n = 0;
  for (const child of tr.children) {
    if (child.type === "tag" && (child.name === "td" || child.name === "th")) {
      n++;
    }
  }
  return n;
}

/**
 * Whether a `<table>` lays out a page rather than holding data: it has
 * `role="presentation"` (or `"none"`), holds another table or a heading,
 * or has at most one cell in every row. Such a table's cells are written as
 * blocks. The search stops at the first nested table, so nested layout
 * tables cost linear time.
 *
 * @example
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { selectOne } from "css-select";
 * import type { AnyNode, Element } from "domhandler";
 * import { isLayoutTable } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const data = parseDocument("<table><tr><td>a<td>b</table>");
 * assert.equal(isLayoutTable(selectOne<AnyNode, Element>("table", data)!), false);
 * const layout = parseDocument("<table><tr><td><h1>Site</h1></table>");
 * assert.equal(isLayoutTable(selectOne<AnyNode, Element>("table", layout)!), true);
 * ```
 *
 * @param table The `<table>` element.
 * @returns `true` for a layout table.
 */
export function isLayoutTable(table: Element): boolean {
  const role = table.attribs.role?.trim().toLowerCase();
  if (role === "presentation" || role === "none") return true;
  let widest = 0;
  const stack: Element[] = [table];
  while (stack.length > 0) {
    const el = stack.pop()!;
    for (let i = el.children.length - 1; i >= 0; i--) {
      const child = el.children[i];
      if (child.type !== "tag") continue;
      const name = child.name;
      if (name === "table" || HEADINGS.has(name)) return true;
      if (name === "tr") widest = Math.max(widest, cellCount(child));
      stack.push(child);
    }
  }
  return widest <= 1;
}

/**
 * One data table's cells as a GFM table: the first row is the header
 * (padded to the widest row), then the delimiter row, then the other rows
 * as they are. A `|` in a cell is escaped.
 *
 * @example
 * ```ts
 * import { gfmTable } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   gfmTable([["a", "b"], ["1", "x|y"]]),
 *   "| a | b |\n| --- | --- |\n| 1 | x\\|y |",
 * );
 * ```
 *
 * @param rows The rows' cell texts (rows without cells are left out).
 * @returns The table, or `""` when it has no cell.
 */
export function gfmTable(rows: readonly string[][]): string {
  const kept = rows.filter((r) => r.length > 0);
  if (kept.length === 0) return "";
  let width = 0;
  for (const row of kept) width = Math.max(width, row.length);
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  const header = [...kept[0]];
  while (header.length < width) header.push("");
  const lines = [line(header), `|${" --- |".repeat(width)}`];
  for (let i = 1; i < kept.length; i++) lines.push(line(kept[i]));
  return lines.join("\n");
}

/**
 * One data table's cells as plain text: cells separated by a tab, rows by a
 * line break.
 *
 * @example
 * ```ts
 * import { textTable } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(textTable([["a", "b"], ["1", "2"]]), "a\tb\n1\t2");
 * ```
 *
 * @param rows The rows' cell texts.
 * @returns The table.
 */
export function textTable(rows: readonly string[][]): string {
  return rows.filter((r) => r.length > 0).map((r) => r.join("\t")).join("\n");
}
