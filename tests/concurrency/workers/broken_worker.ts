/**
 * A worker whose module throws while loading, before it can serve.
 *
 * @module
 */
throw new Error("broken worker module");
