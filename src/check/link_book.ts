/**
 * The link checker's ledger: every referenced URL's verdict, the pages that
 * reference it, and the fragment targets of the pages crawled. A URL that
 * checks fine keeps only a fingerprint; a broken one keeps every referrer,
 * so the report names them all.
 *
 * @module
 */
import { FingerprintSet } from "../frontier/fingerprint_set.ts";
import { fragmentNames, needsNoTarget } from "./fragments.ts";

/** A page that references a URL. */
export interface Referrer {
  /** The page's URL. */
  page: string;
  /** The link's text (or an image's `alt`), when it has one. */
  text?: string;
}

/** An error as results carry it. */
export interface ErrorSummary {
  /** The error's name (`FetchError`, `RedirectError`…). */
  name: string;
  /** What went wrong. */
  message: string;
}

/** A broken reference and every page that has it. */
export interface BrokenLink {
  /** The URL (with its `#fragment` when the fragment is what is missing). */
  url: string;
  /** The final HTTP status, or 0 when no response arrived. */
  status: number;
  /** What failed, when it was not only the status. */
  error?: ErrorSummary;
  /** Every page that references it, in the order they were found. */
  referrers: Referrer[];
}

/** What checking a URL found. */
export type LinkVerdict =
  /** It answered with an accepted status. */
  | { kind: "ok" }
  /** It is broken: a status not accepted, an error, a loop. */
  | { kind: "broken"; status: number; error?: ErrorSummary }
  /** It was not checked, deliberately (robots.txt, a private address…). */
  | { kind: "skipped"; reason: string; error?: ErrorSummary };

/** Counters of a {@linkcode LinkBook}. */
export interface LinkBookStats {
  /** References counted (each page's, excluded ones not). */
  references: number;
  /** Distinct URLs checked (fine or broken; skipped ones not). */
  checked: number;
  /** Distinct URLs that were fine. */
  ok: number;
  /** Broken entries (URLs, and URLs with a missing fragment). */
  broken: number;
  /** References not checked, by reason (`robots`, …). */
  skipped: Record<string, number>;
  /** Fragments checked against a crawled page's anchors. */
  fragments: number;
  /** Fragments left unchecked (their page was not crawled as HTML). */
  fragmentsUnchecked: number;
}

/** The name of the error a missing fragment is reported with. */
export const MISSING_FRAGMENT = "MissingFragment";

/** A broken entry while referrers still come in. */
interface Entry extends BrokenLink {
  pages: Set<string>;
}

/**
 * Verdicts and referrers of every URL a check meets.
 *
 * @example A link that is broken, from two pages
 * ```ts
 * import { LinkBook } from "./link_book.ts";
 * import assert from "node:assert/strict";
 *
 * const book = new LinkBook();
 * book.refer("https://a.test/gone", { page: "https://a.test/", text: "old" });
 * book.settle("https://a.test/gone", { kind: "broken", status: 404 });
 * book.refer("https://a.test/gone", { page: "https://a.test/b" });
 * assert.deepEqual(book.finish(), [{
 *   url: "https://a.test/gone",
 *   status: 404,
 *   referrers: [{ page: "https://a.test/", text: "old" }, { page: "https://a.test/b" }],
 * }]);
 * ```
 */
export class LinkBook {
  readonly #ok = new FingerprintSet();
  readonly #settled = new Map<string, LinkVerdict>();
  readonly #waiting = new Map<string, Referrer[]>();
  readonly #broken = new Map<string, Entry>();
  /** Pages whose anchors are known, and `page#anchor` of each anchor. */
  readonly #pages = new FingerprintSet();
  readonly #anchors = new FingerprintSet();
  readonly #pageStatus = new Map<string, number>();
  /** Fragments waiting for their page: page → fragment → referrers. */
  readonly #fragmentWaits = new Map<string, Map<string, Referrer[]>>();
  readonly #stats: LinkBookStats = {
    references: 0,
    checked: 0,
    ok: 0,
    broken: 0,
    skipped: {},
    fragments: 0,
    fragmentsUnchecked: 0,
  };

  /** A snapshot of the counters. */
  get stats(): LinkBookStats {
    return { ...this.#stats, skipped: { ...this.#stats.skipped } };
  }

  /** URLs referenced but not checked yet. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Whether `url` has a verdict.
   *
   * @param url A URL in normal form.
   * @returns `true` once settled.
   */
  isSettled(url: string): boolean {
    return this.#ok.has(url) || this.#settled.has(url);
  }

  /**
   * Records that `referrer` references `url`.
   *
   * @param url The URL, in normal form, without fragment.
   * @param referrer The page (and the link's text).
   * @returns `"new"` when the URL was never seen (check it), `"waiting"`
   * when it waits for a verdict, `"settled"` when it has one.
   */
  refer(url: string, referrer: Referrer): "new" | "waiting" | "settled" {
    this.#stats.references++;
    if (this.#ok.has(url)) return "settled";
    const verdict = this.#settled.get(url);
    if (verdict) {
      this.#count(verdict, url, [referrer]);
      return "settled";
    }
    const waiting = this.#waiting.get(url);
    if (waiting) {
      waiting.push(referrer);
      return "waiting";
    }
    this.#waiting.set(url, [referrer]);
    return "new";
  }

  /**
   * Settles `url` (once: later verdicts are ignored), with every referrer
   * that waited for it.
   *
   * @param url The URL, in normal form.
   * @param verdict What checking it found.
   */
  settle(url: string, verdict: LinkVerdict): void {
    if (this.isSettled(url)) return;
    if (verdict.kind !== "skipped") this.#stats.checked++;
    if (verdict.kind === "ok") {
      this.#stats.ok++;
      this.#ok.add(url);
    } else {
      this.#settled.set(url, verdict);
    }
    const referrers = this.#waiting.get(url) ?? [];
    this.#waiting.delete(url);
    this.#count(verdict, url, referrers);
  }

  /**
   * Records a `#fragment` reference to `page`: checked now when the page's
   * anchors are known, else when they are (or never, if the page is not
   * crawled as HTML).
   *
   * @param page The page's URL, without fragment.
   * @param fragment The fragment, as written.
   * @param referrer The page that has the reference.
   */
  referFragment(page: string, fragment: string, referrer: Referrer): void {
    if (needsNoTarget(fragment)) return;
    if (this.#pages.has(page)) {
      this.#checkFragment(page, fragment, [referrer]);
      return;
    }
    let waits = this.#fragmentWaits.get(page);
    if (!waits) this.#fragmentWaits.set(page, waits = new Map());
    const list = waits.get(fragment);
    if (list) list.push(referrer);
    else waits.set(fragment, [referrer]);
  }

  /**
   * Records a crawled page's anchors and checks the fragments that waited
   * for them.
   *
   * @param page The page's URL.
   * @param anchors Its `id`s and `<a name>`s.
   * @param status Its HTTP status (a missing fragment's entry carries it).
   */
  anchorsOf(page: string, anchors: readonly string[], status: number): void {
    if (this.#pages.has(page)) return;
    this.#pages.add(page);
    this.#pageStatus.set(page, status);
    for (const anchor of anchors) this.#anchors.add(`${page}#${anchor}`);
    const waits = this.#fragmentWaits.get(page);
    if (!waits) return;
    this.#fragmentWaits.delete(page);
    for (const [fragment, referrers] of waits) {
      this.#checkFragment(page, fragment, referrers);
    }
  }

  /**
   * URLs still waiting for a verdict.
   *
   * @returns Their URLs.
   */
  pending(): string[] {
    return [...this.#waiting.keys()];
  }

  /**
   * Ends the check: fragments whose page was never crawled as HTML are
   * counted as unchecked; returns every broken entry, in the order found.
   *
   * @returns The broken links.
   */
  finish(): BrokenLink[] {
    for (const waits of this.#fragmentWaits.values()) {
      for (const referrers of waits.values()) {
        this.#stats.fragmentsUnchecked += referrers.length;
      }
    }
    this.#fragmentWaits.clear();
    return [...this.#broken.values()].map(({ pages: _, ...link }) => link);
  }

  #checkFragment(page: string, fragment: string, referrers: Referrer[]): void {
    this.#stats.fragments += referrers.length;
    const found = fragmentNames(fragment).some((name) =>
      this.#anchors.has(`${page}#${name}`)
    );
    if (found) return;
    const url = `${page}#${fragment}`;
    this.#addBroken(url, {
      status: this.#pageStatus.get(page) ?? 0,
      error: {
        name: MISSING_FRAGMENT,
        message: `no element with id or name "${fragment}" on ${page}`,
      },
    }, referrers);
  }

  #count(verdict: LinkVerdict, url: string, referrers: Referrer[]): void {
    if (verdict.kind === "skipped") {
      const s = this.#stats.skipped;
      s[verdict.reason] = (s[verdict.reason] ?? 0) + referrers.length;
    } else if (verdict.kind === "broken") {
      this.#addBroken(url, verdict, referrers);
    }
  }

  #addBroken(
    url: string,
    found: { status: number; error?: ErrorSummary },
    referrers: Referrer[],
  ): void {
    let entry = this.#broken.get(url);
    if (!entry) {
      entry = {
        url,
        status: found.status,
        ...(found.error ? { error: found.error } : {}),
        referrers: [],
        pages: new Set(),
      };
      this.#broken.set(url, entry);
      this.#stats.broken++;
    }
    for (const r of referrers) {
      if (entry.pages.has(r.page)) continue;
      entry.pages.add(r.page);
      entry.referrers.push(r);
    }
  }
}
