/**
 * Test helper: a Redis server for the Redis store's tests.
 *
 * A test gets its server from `TRAWL_REDIS_URL` (set by `.ci/run`, which
 * starts one) or, for local runs, from a private `redis-server` started on a
 * free loopback port and stopped after the test. When neither is possible the
 * tests are skipped with a loud message, except when `CI` or
 * `TRAWL_REDIS_REQUIRED` is set: then they fail.
 *
 * @module
 */

/** A `redis-server` child process on 127.0.0.1. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT/0` (`rediss://` with TLS). */
  readonly url: string;
  /** Its TCP port (the TLS port with TLS). */
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** Sends a signal (e.g. SIGSTOP, SIGCONT) to the server. */
  kill(signal: Deno.Signal): void;
  /** Stops the server (SIGTERM, after SIGCONT) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The files of a TLS server (see `tls_certs.ts`). */
export interface ServerTls {
  /** The CA certificate, PEM file. */
  caFile: string;
  /** The server's certificate, PEM file. */
  certFile: string;
  /** The server's key, PEM file. */
  keyFile: string;
  /** The CA certificate's PEM text (to check readiness). */
  ca: string;
}

/** Options of {@linkcode startRedisServer}. */
export interface StartRedisOptions {
  /**
   * The port to listen on.
   *
   * @default {a port from `pickPort`}
   */
  port?: number;
  /**
   * Picks a free port when `port` is not given: again after a server that
   * exited at once (the port was taken in the meantime).
   *
   * @default {freePort}
   */
  pickPort?: () => number;
  /**
   * A directory for an append-only file (`appendfsync always`), so a
   * restarted server keeps its data; without it nothing is persisted.
   */
  dir?: string;
  /** Listen with TLS only (no plain port), with these files. */
  tls?: ServerTls;
  /** More `redis-server` arguments, e.g. `["--requirepass", "pw"]`. */
  args?: string[];
}

/** Whether a `redis-server` binary is on `PATH`. */
export function hasRedisServer(): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/redis-server`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** A free TCP port on 127.0.0.1 (free when asked). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Whether a Redis server answers PING on `port` (`NOAUTH` counts: it
 * answers), over TLS when `ca` is given.
 */
export async function pingRedis(port: number, ca?: string): Promise<boolean> {
  let conn: Deno.Conn | Deno.TlsConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    try {
      conn?.close();
    } catch {
      // closed already
    }
    conn = undefined;
  };
  try {
    conn = ca === undefined
      ? await Deno.connect({ hostname: "127.0.0.1", port })
      : await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca] });
    // Something else on the port (not Redis) may never answer.
    timer = setTimeout(close, 1000);
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    const text = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n));
    return text.startsWith("+PONG") || text.startsWith("-NOAUTH");
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    close();
  }
}

/** How long a starting server may take to answer PING (a loaded CI machine). */
const START_TIMEOUT_MS = 20_000;

/** How many fresh ports a server without a fixed port is tried on. */
const START_ATTEMPTS = 3;

/** The last bytes of a child's output, kept for an error message. */
function outputTail(stream: ReadableStream<Uint8Array>): {
  done: Promise<void>;
  text(): string;
} {
  let tail = "";
  const decoder = new TextDecoder();
  const done = stream.pipeTo(
    new WritableStream({
      write(chunk) {
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-2000);
      },
    }),
  ).catch(() => {});
  return { done, text: () => tail.trim() };
}

/** Why a server did not start: it exited (with its log) or never answered. */
export class RedisStartError extends Error {
  override name = "RedisStartError";
  /** Whether the process exited (a taken port, a bad option) rather than hung. */
  readonly exited: boolean;

  /**
   * @param port The port it was started on.
   * @param exited Whether the process exited.
   * @param log The end of its output.
   */
  constructor(port: number, exited: boolean, log: string) {
    super(
      `redis-server did not start on 127.0.0.1:${port}: ` +
        (exited
          ? "it exited"
          : `it did not answer PING within ${START_TIMEOUT_MS} ms`) +
        (log ? `; its log ends:\n${log}` : "; it logged nothing"),
    );
    this.exited = exited;
  }
}

/**
 * Starts `redis-server` on 127.0.0.1 and waits until it answers PING. A
 * server given no port that exits at once (its free port was taken in the
 * meantime) is started again on another one (`pickPort`).
 *
 * @param options The port and persistence.
 * @returns The running server.
 */
export async function startRedisServer(
  options: StartRedisOptions = {},
): Promise<RedisServer> {
  for (let attempt = 1;; attempt++) {
    try {
      const port = options.port ?? (options.pickPort ?? freePort)();
      return await startOnce(port, options);
    } catch (err) {
      const retry = options.port === undefined && attempt < START_ATTEMPTS &&
        err instanceof RedisStartError && err.exited;
      if (!retry) throw err;
    }
  }
}

function serverArgs(port: number, options: StartRedisOptions): string[] {
  const tls = options.tls;
  const listen = tls
    ? [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      tls.certFile,
      "--tls-key-file",
      tls.keyFile,
      "--tls-ca-cert-file",
      tls.caFile,
      "--tls-auth-clients",
      "no",
    ]
    : ["--port", String(port)];
  const args = [
    "--bind",
    "127.0.0.1",
    ...listen,
    "--save",
    "",
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
  ];
  if (options.dir !== undefined) {
    args.push(
      "--dir",
      options.dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
    );
  } else {
    args.push("--appendonly", "no");
  }
  args.push(...options.args ?? []);
  return args;
}

async function startOnce(
  port: number,
  options: StartRedisOptions,
): Promise<RedisServer> {
  const tls = options.tls;
  const child = new Deno.Command("redis-server", {
    args: serverArgs(port, options),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = outputTail(child.stdout);
  const err = outputTail(child.stderr);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const kill = (signal: Deno.Signal) => {
    if (exited) return;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    kill("SIGCONT"); // a stopped server would not see SIGTERM
    kill("SIGTERM");
    await Promise.all([status, out.done, err.done]);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    if (await pingRedis(port, tls?.ca)) {
      return {
        url: `${tls ? "rediss" : "redis"}://127.0.0.1:${port}/0`,
        port,
        pid: child.pid,
        kill,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const gone = exited;
  await stop();
  throw new RedisStartError(
    port,
    gone,
    [out.text(), err.text()].filter(Boolean).join("\n"),
  );
}

const envUrl = (() => {
  try {
    return Deno.env.get("TRAWL_REDIS_URL") || undefined;
  } catch {
    return undefined;
  }
})();
/**
 * Whether Redis tests must run rather than be skipped (`CI` or
 * `TRAWL_REDIS_REQUIRED` is set).
 */
export const redisRequired: boolean = (() => {
  try {
    return Boolean(Deno.env.get("CI") || Deno.env.get("TRAWL_REDIS_REQUIRED"));
  } catch {
    return false;
  }
})();
const binary = hasRedisServer();

/** Whether the Redis tests can run here (a URL is given or a binary found). */
export const redisAvailable: boolean = envUrl !== undefined || binary;

let warned = false;

/** A name no other test uses: a fresh crawl (key prefix) per test. */
export function freshCrawlName(): string {
  return `test-${crypto.randomUUID().slice(0, 8)}`;
}

/** What a Redis test receives. */
export interface RedisTestContext {
  /** The server's URL. */
  url: string;
  /** A crawl name no other test uses. */
  crawl: string;
  /** The Deno test context. */
  t: Deno.TestContext;
}

/** Options of {@linkcode redisTest}. */
export interface RedisTestOptions {
  /** The test needs its own `redis-server` (to stop and restart it). */
  ownServer?: boolean;
}

/**
 * Registers a test that needs Redis: it runs against `TRAWL_REDIS_URL` or a
 * private server; without either it is skipped loudly (or fails under CI).
 *
 * @param name The test's name.
 * @param fn The test body.
 * @param options Whether it needs its own server.
 */
export function redisTest(
  name: string,
  fn: (ctx: RedisTestContext) => Promise<void>,
  options: RedisTestOptions = {},
): void {
  const available = options.ownServer ? binary : redisAvailable;
  if (!available && !redisRequired) {
    if (!warned) {
      warned = true;
      console.warn(
        "\n!!! REDIS TESTS SKIPPED: set TRAWL_REDIS_URL or install redis-server" +
          " (apt-get install redis-server) to run them !!!\n",
      );
    }
    Deno.test({ name, ignore: true, fn: () => {} });
    return;
  }
  Deno.test(name, async (t) => {
    if (!available) {
      throw new Error(
        "Redis is required here (CI or TRAWL_REDIS_REQUIRED is set) but " +
          (options.ownServer
            ? "no redis-server binary is on PATH"
            : "TRAWL_REDIS_URL is not set and no redis-server binary is on PATH") +
          ": .ci/run could not install or start Redis",
      );
    }
    const crawl = freshCrawlName();
    if (envUrl !== undefined && !options.ownServer) {
      await fn({ url: envUrl, crawl, t });
      return;
    }
    const server = await startRedisServer();
    try {
      await fn({ url: server.url, crawl, t });
    } finally {
      await server.stop();
    }
  });
}
