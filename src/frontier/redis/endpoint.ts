/**
 * Where a shared crawl's Redis is, read from its URL:
 *
 * - `redis://[USER:PASSWORD@]HOST[:PORT][/DB]`: one server (port 6379 and
 *   database 0 by default; `redis://:PASSWORD@…` without a user);
 * - `rediss://…`: the same over TLS;
 * - `redis+cluster://[USER:PASSWORD@]HOST:PORT[,HOST:PORT…]`: a Redis
 *   Cluster, found from any of the nodes listed (`rediss+cluster://` over
 *   TLS); a cluster has database 0 only.
 *
 * This file loads no Redis client.
 *
 * @module
 */

/** A server of an endpoint. */
export interface RedisNode {
  /** Its host name or IP address (an IPv6 address without brackets). */
  host: string;
  /** Its TCP port. */
  port: number;
}

/** A parsed Redis URL. */
export interface RedisEndpoint {
  /** Whether it names a cluster. */
  cluster: boolean;
  /** Whether to speak TLS. */
  tls: boolean;
  /** The server, or the cluster nodes to start from. */
  nodes: RedisNode[];
  /** The ACL user, if any. */
  username?: string;
  /** The password, if any. */
  password?: string;
  /** The database index (0 for a cluster). */
  database: number;
  /** `HOST:PORT` (a cluster: its nodes, comma-separated), for messages. */
  address: string;
  /** The URL with its password replaced by `***`. */
  redacted: string;
}

const DEFAULT_PORT = 6379;
const SCHEME = /^(rediss?)(\+cluster)?:\/\/(.*)$/s;

/**
 * Parses a Redis URL.
 *
 * @example Usage
 * ```ts
 * import { parseRedisUrl } from "./endpoint.ts";
 * import assert from "node:assert/strict";
 *
 * const e = parseRedisUrl("redis+cluster://:pw@127.0.0.1:7000,127.0.0.1:7001");
 * assert.equal(e?.cluster, true);
 * assert.equal(e?.address, "127.0.0.1:7000,127.0.0.1:7001");
 * assert.equal(parseRedisUrl("http://x"), undefined);
 * ```
 *
 * @param url The URL.
 * @returns The endpoint, or `undefined` when `url` is not a Redis URL.
 */
export function parseRedisUrl(url: unknown): RedisEndpoint | undefined {
  if (typeof url !== "string") return undefined;
  const m = SCHEME.exec(url);
  if (!m) return undefined;
  const tls = m[1] === "rediss";
  const cluster = m[2] !== undefined;
  let rest = m[3];
  let path = "";
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    path = rest.slice(slash);
    rest = rest.slice(0, slash);
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at !== -1) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(":");
    const user = decode(colon === -1 ? auth : auth.slice(0, colon));
    const pass = colon === -1 ? undefined : decode(auth.slice(colon + 1));
    if (user === undefined || (colon !== -1 && pass === undefined)) {
      return undefined;
    }
    if (colon === -1) {
      // `redis://PASSWORD@host`: a password alone, as redis-cli reads it.
      if (user !== "") password = user;
    } else {
      if (user !== "") username = user;
      if (pass !== "") password = pass;
    }
  }
  const hosts = rest.split(",");
  if (!cluster && hosts.length > 1) return undefined;
  const nodes: RedisNode[] = [];
  for (const h of hosts) {
    const node = parseNode(h);
    if (!node) return undefined;
    nodes.push(node);
  }
  const database = parseDatabase(path);
  if (database === undefined || (cluster && database !== 0)) return undefined;
  const address = nodes.map(formatNode).join(",");
  const auth = username !== undefined || password !== undefined
    ? `${username ?? ""}${password !== undefined ? ":***" : ""}@`
    : "";
  return {
    cluster,
    tls,
    nodes,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    database,
    address,
    redacted: `${m[1]}${m[2] ?? ""}://${auth}${address}${
      cluster ? "" : `/${database}`
    }`,
  };
}

/** `HOST:PORT`, with an IPv6 address in brackets. */
export function formatNode(node: RedisNode): string {
  return `${
    node.host.includes(":") ? `[${node.host}]` : node.host
  }:${node.port}`;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function parseNode(text: string): RedisNode | undefined {
  let host: string;
  let port = "";
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end === -1) return undefined;
    host = text.slice(1, end);
    const after = text.slice(end + 1);
    if (after !== "" && !after.startsWith(":")) return undefined;
    port = after.slice(1);
  } else {
    const colon = text.indexOf(":");
    host = colon === -1 ? text : text.slice(0, colon);
    port = colon === -1 ? "" : text.slice(colon + 1);
  }
  if (!/^[A-Za-z0-9._~%:-]+$/.test(host)) return undefined;
  if (port === "") return { host, port: DEFAULT_PORT };
  if (!/^\d{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

function parseDatabase(path: string): number | undefined {
  if (path === "" || path === "/") return 0;
  const m = /^\/(\d{1,5})$/.exec(path);
  return m ? Number(m[1]) : undefined;
}
