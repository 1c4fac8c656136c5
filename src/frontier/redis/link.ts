/**
 * One connection to Redis (a server, or a cluster through the `redis`
 * package's cluster client, which follows `MOVED` and `ASK` redirections):
 * made by `RedisConnection`, dropped at once when Redis stops answering, and
 * made again on the next attempt. The client never reconnects by itself:
 * the connection decides when.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { RedisEndpoint } from "./endpoint.ts";
import {
  loadRedis,
  type RedisClientLike,
  type RedisClusterLike,
} from "./redis_module.ts";

/** A command argument: text, or bytes (fingerprints). */
export type RedisArg = string | Buffer;

/**
 * The little of a Redis client the store uses: `sendCommand` with raw
 * arguments. A client made with `createClient` from the `redis` package
 * fits; the store never connects or closes a client it was given.
 */
export interface RedisCommandClient {
  /** Sends one command and resolves to its reply. */
  sendCommand(args: RedisArg[]): Promise<unknown>;
}

/** TLS settings of a `rediss://` connection. */
export interface RedisTlsOptions {
  /**
   * The CA certificates (PEM) the server's certificate must chain to,
   * instead of the default store.
   */
  ca?: string | string[];
}

/** A live connection. */
export interface Link {
  /**
   * Sends a command.
   *
   * @param key A key it touches: a cluster routes the command by it.
   * @param args The command and its arguments.
   */
  send(key: string, args: RedisArg[]): Promise<unknown>;
  /** Drops the connection at once, failing the commands in flight. */
  destroy(): void;
  /** Closes the connection once the commands in flight are answered. */
  close(): Promise<void>;
}

/** A link and its connecting. */
export interface Opening {
  /** The link (usable once `ready` resolves). */
  link: Link;
  /** Resolves once connected and authenticated. */
  ready: Promise<void>;
}

/**
 * Wraps a client the caller owns: it is never connected, dropped or closed.
 *
 * @param client The client.
 * @returns The link.
 */
export function givenLink(client: RedisCommandClient): Link {
  return {
    send: (_key, args) => client.sendCommand(args),
    destroy: () => {},
    close: () => Promise.resolve(),
  };
}

/**
 * Starts connecting to an endpoint.
 *
 * @param endpoint The server or cluster.
 * @param tls The TLS settings (with `rediss://`).
 * @param connectTimeoutMs How long the TCP (and TLS) connection may take.
 * @returns The link and its connecting.
 */
export function openLink(
  endpoint: RedisEndpoint,
  tls: RedisTlsOptions,
  connectTimeoutMs: number,
): Opening {
  const common = {
    connectTimeout: connectTimeoutMs,
    reconnectStrategy: false as const,
    ...(endpoint.tls
      ? { tls: true as const, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) }
      : {}),
  };
  const socket = (host: string, port: number) => ({
    ...common,
    host,
    port,
    ...(endpoint.tls && !/^[\d.]+$|:/.test(host) ? { servername: host } : {}),
  });
  const auth = {
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
  };
  if (endpoint.cluster) {
    const options = {
      rootNodes: endpoint.nodes.map((n) => ({
        socket: socket(n.host, n.port),
      })),
      // Nodes found later connect with these.
      defaults: {
        ...auth,
        socket: common,
        disableClientInfo: true,
        disableOfflineQueue: true,
      },
      maxCommandRedirections: 16,
    };
    let cluster: RedisClusterLike | undefined;
    let dropped = false;
    const ready = loadRedis().then(async ({ createCluster }) => {
      if (dropped) throw new Error("The connection was dropped");
      cluster = createCluster(options);
      cluster.on("error", () => {});
      await cluster.connect();
    });
    return {
      link: {
        send: (key, args) => cluster!.sendCommand(key, false, args),
        destroy: () => {
          dropped = true;
          try {
            cluster?.destroy();
          } catch {
            // never connected, or gone already
          }
        },
        close: async () => {
          dropped = true;
          try {
            await cluster?.close();
          } catch {
            // never connected, or gone already
          }
        },
      },
      ready,
    };
  }
  const [node] = endpoint.nodes;
  const options = {
    socket: socket(node.host, node.port),
    ...auth,
    database: endpoint.database,
    disableClientInfo: true,
    disableOfflineQueue: true,
  };
  let client: RedisClientLike | undefined;
  let dropped = false;
  const ready = loadRedis().then(async ({ createClient }) => {
    if (dropped) throw new Error("The connection was dropped");
    client = createClient(options);
    // Errors surface through the commands and `ready`; the listener keeps
    // the emitter from throwing.
    client.on("error", () => {});
    await client.connect();
  });
  return {
    link: {
      send: (_key, args) => client!.sendCommand(args),
      destroy: () => {
        dropped = true;
        try {
          client?.destroy();
        } catch {
          // never connected, or gone already
        }
      },
      close: async () => {
        dropped = true;
        if (client?.isReady) await client.close();
        else client?.destroy();
      },
    },
    ready,
  };
}
