/**
 * The reason used to cancel internal timers. `AbortController.abort()`
 * without a reason builds a `DOMException` with a stack trace, which costs
 * more than the timer itself on hot paths (one per request).
 */
export const STOP: unique symbol = Symbol("trawl.stop");
