/**
 * robots.txt records in a Redis hash, shared by every process of a crawl.
 *
 * @module
 */
import type { RobotsRecord, RobotsStore } from "../store.ts";
import type { RedisConnection } from "./connection.ts";

/** A {@linkcode RobotsStore} in the crawl's `robots` hash (origin → JSON). */
export class RedisRobotsStore implements RobotsStore {
  readonly #conn: RedisConnection;
  readonly #key: string;

  /**
   * Creates the store.
   *
   * @param conn The crawl's connection.
   * @param prefix The crawl's key prefix.
   */
  constructor(conn: RedisConnection, prefix: string) {
    this.#conn = conn;
    this.#key = prefix + "robots";
  }

  /**
   * The stored record of `origin`.
   *
   * @param origin The origin.
   * @returns The record, if any.
   */
  async load(origin: string): Promise<RobotsRecord | undefined> {
    const raw = await this.#conn.command(["HGET", this.#key, origin]);
    return typeof raw === "string"
      ? JSON.parse(raw) as RobotsRecord
      : undefined;
  }

  /**
   * Stores a fresh record for every process.
   *
   * @param record The record.
   */
  async save(record: RobotsRecord): Promise<void> {
    await this.#conn.command([
      "HSET",
      this.#key,
      record.origin,
      JSON.stringify(record),
    ]);
  }
}
