/**
 * What listens on a Redis port, when the client cannot talk to it: a plain
 * Redis, a TLS server, an HTTP server, something else, or nothing that
 * answers. The connection asks once, when its first connection fails, so a
 * wrong setting (TLS against a plain port or the reverse, a port that is
 * not Redis) fails fast with a clear message instead of being retried as an
 * outage.
 *
 * @module
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { RedisNode } from "./endpoint.ts";

/** What a probe found. */
export type ProbeVerdict =
  /** A plain Redis answered `PING`. */
  | "redis"
  /** The server speaks TLS. */
  | "tls"
  /** An HTTP server answered. */
  | "http"
  /** Something else answered (see `sample`). */
  | "other"
  /** Nothing answered, or the connection was refused or closed. */
  | "nothing";

/** A probe's verdict, with the start of what the server sent. */
export interface Probe {
  /** What the server is. */
  verdict: ProbeVerdict;
  /** The first bytes it sent, printable. */
  sample?: string;
}

/**
 * Probes a server: sends a plain `PING` and reads the first bytes; when
 * nothing comes back, tries a TLS handshake (without checking the
 * certificate: only whether the server speaks TLS).
 *
 * @example Usage
 * ```ts ignore
 * const { verdict } = await probeServer({ host: "127.0.0.1", port: 6379 }, 1000);
 * ```
 *
 * @param node The server.
 * @param timeoutMs How long each step may take.
 * @returns The verdict.
 */
export async function probeServer(
  node: RedisNode,
  timeoutMs: number,
): Promise<Probe> {
  const first = await firstBytes(
    netConnect({ host: node.host, port: node.port }),
    "connect",
    timeoutMs,
    "PING\r\n",
  );
  if (first === undefined || first.length === 0) {
    const tls = await firstBytes(
      tlsConnect({
        host: node.host,
        port: node.port,
        rejectUnauthorized: false,
        ...(isIp(node.host) ? {} : { servername: node.host }),
      }),
      "secureConnect",
      timeoutMs,
    );
    return { verdict: tls === undefined ? "nothing" : "tls" };
  }
  const text = new TextDecoder().decode(first);
  const sample = JSON.stringify(text.slice(0, 40));
  if (first[0] === 0x15 || first[0] === 0x16) return { verdict: "tls" };
  if (/^[+\-$*:]/.test(text) && /\r\n/.test(text)) {
    return { verdict: "redis", sample };
  }
  if (text.startsWith("HTTP/")) {
    return { verdict: "http", sample: JSON.stringify(text.split("\r\n")[0]) };
  }
  return { verdict: "other", sample };
}

/**
 * Waits for `event` on `socket`, writes `hello` (if any), and resolves to
 * the first bytes read: an empty array when the server said nothing before
 * `timeoutMs`, `undefined` when the connection failed or closed first.
 */
function firstBytes(
  socket: Socket,
  event: string,
  timeoutMs: number,
  hello?: string,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    let connected = false;
    const done = (value: Uint8Array | undefined) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(
      () =>
        done(connected && hello === undefined ? new Uint8Array() : undefined),
      timeoutMs,
    );
    socket.once(event, () => {
      connected = true;
      if (hello === undefined) done(new Uint8Array());
      else socket.write(hello);
    });
    socket.once("data", (data: Uint8Array) => done(data.subarray(0, 64)));
    socket.once("error", () => done(undefined));
    socket.once("close", () => done(undefined));
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
