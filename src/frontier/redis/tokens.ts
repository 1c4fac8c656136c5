/**
 * The tokens that make a process's commits and claims safe to retry: each
 * carries a new token, Redis keeps its reply under it (see `COMMIT` and
 * `CLAIM`), and the next call lists the tokens whose replies arrived, so
 * Redis drops them.
 *
 * @module
 */

import type { Slot } from "./slots.ts";

/** Tokens whose replies arrived, dropped with one call at most. */
const MAX_RECEIVED = 256;

/** One worker's tokens. */
export class Tokens {
  /** Tokens whose reply arrived, not yet dropped in Redis. */
  readonly #received: string[] = [];

  /**
   * A new token.
   *
   * @returns 16 hex digits.
   */
  next(): string {
    return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  }

  /**
   * Takes the tokens to drop with the next call (at most 256).
   *
   * @returns The tokens.
   */
  take(): string[] {
    return this.#received.splice(0, MAX_RECEIVED);
  }

  /**
   * Settles a call: its token is to be dropped, or, when the call failed,
   * the tokens it was to drop are taken again next time.
   *
   * @param token The call's token.
   * @param taken What {@linkcode Tokens.take} gave the call.
   * @param ok Whether its reply arrived.
   */
  settle(token: string, taken: readonly string[], ok: boolean): void {
    if (ok) this.#received.push(token);
    else this.#received.push(...taken);
  }

  /**
   * Takes every token left (on close).
   *
   * @returns The tokens.
   */
  drain(): string[] {
    return this.#received.splice(0);
  }
}

/** One worker's tokens in each slot (each slot keeps its own replies). */
export class SlotTokens {
  readonly #bySlot = new Map<Slot, Tokens>();

  /**
   * The tokens of a slot.
   *
   * @param slot The slot.
   * @returns Its tokens.
   */
  of(slot: Slot): Tokens {
    let tokens = this.#bySlot.get(slot);
    if (!tokens) this.#bySlot.set(slot, tokens = new Tokens());
    return tokens;
  }

  /**
   * Every slot's tokens.
   *
   * @returns The slots and their tokens.
   */
  entries(): IterableIterator<[Slot, Tokens]> {
    return this.#bySlot.entries();
  }
}
