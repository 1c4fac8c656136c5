/**
 * One htmlparser2 pass, two listeners: the link scan and, when a page's
 * content is wanted, a tree builder.
 *
 * @module
 */
import type { Handler } from "htmlparser2";

/** The events the link scan listens to. */
export type ScanHandler = Pick<Handler, "onopentag" | "ontext" | "onclosetag">;

/**
 * A handler that gives every parser event to `also`, and the open-tag, text
 * and close-tag events to `scan` first: the page is tokenized once for both.
 *
 * @example Counting tags while building a tree
 * ```ts
 * import { Parser } from "htmlparser2";
 * import { DomHandler } from "domhandler";
 * import { teeHandler } from "./tee_handler.ts";
 * import assert from "node:assert/strict";
 *
 * let tags = 0;
 * const tree = new DomHandler();
 * const scan = { onopentag: () => void tags++, ontext() {}, onclosetag() {} };
 * new Parser(teeHandler(scan, tree)).end("<p>a<b>b</b></p>");
 * assert.equal(tags, 2);
 * assert.equal(tree.root.children.length, 1);
 * ```
 *
 * @param scan The link scan.
 * @param also The other listener (e.g. a `DomHandler`).
 * @returns The combined handler.
 */
export function teeHandler(
  scan: ScanHandler,
  also: Partial<Handler>,
): Partial<Handler> {
  return {
    onparserinit: (parser) => also.onparserinit?.(parser),
    onreset: () => also.onreset?.(),
    onend: () => also.onend?.(),
    onerror: (error) => also.onerror?.(error),
    onopentagname: (name) => also.onopentagname?.(name),
    onattribute: (name, value, quote) => also.onattribute?.(name, value, quote),
    onopentag: (name, attribs, isImplied) => {
      scan.onopentag(name, attribs, isImplied);
      also.onopentag?.(name, attribs, isImplied);
    },
    ontext: (data) => {
      scan.ontext(data);
      also.ontext?.(data);
    },
    onclosetag: (name, isImplied) => {
      scan.onclosetag(name, isImplied);
      also.onclosetag?.(name, isImplied);
    },
    oncomment: (data) => also.oncomment?.(data),
    oncommentend: () => also.oncommentend?.(),
    oncdatastart: () => also.oncdatastart?.(),
    oncdataend: () => also.oncdataend?.(),
    onprocessinginstruction: (name, data) =>
      also.onprocessinginstruction?.(name, data),
  };
}
