// Network failures named by their cause: real failures on loopback (a closed
// port, a server that hangs up, TLS spoken to a plain-HTTP port), what the
// crawler reports for them, and a seed whose robots.txt is unreachable.
import assert from "node:assert/strict";
import { crawl, type CrawlResult, FetchError } from "../../mod.ts";
import {
  failureReason,
  failureText,
  networkCause,
} from "../../src/fetch/network_cause.ts";

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A TCP server that answers every connection with `answer`, then hangs up. */
function rawServer(answer: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    for await (const conn of listener) {
      await answer(conn).catch(() => {});
      try {
        conn.close();
      } catch { /* closed already */ }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await done;
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

async function results(
  seeds: string[],
  options: Parameters<typeof crawl>[1],
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const r of crawl(seeds, options)) out.push(r);
  return out;
}

Deno.test("networkCause() names a refused connection behind Deno's 'fetch failed'", async () => {
  const err = await rejection(fetch(`http://127.0.0.1:${closedPort()}/`));
  assert.equal((err as Error).message, "fetch failed");
  assert.deepEqual(networkCause(err), {
    kind: "connection-refused",
    message: "connection refused",
  });
});

Deno.test("networkCause() names a connection the server closed before answering", async () => {
  await using srv = rawServer(() => Promise.resolve());
  const err = await rejection(fetch(`http://127.0.0.1:${srv.port}/`));
  assert.equal(networkCause(err)?.kind, "connection-closed");
});

Deno.test("networkCause() names a TLS failure and keeps its detail", async () => {
  await using srv = rawServer(async (conn) => {
    await conn.read(new Uint8Array(512));
    await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\n"));
  });
  const err = await rejection(fetch(`https://127.0.0.1:${srv.port}/`));
  const cause = networkCause(err);
  assert.equal(cause?.kind, "tls");
  assert.match(cause!.message, /^TLS failure: \S/);
});

Deno.test("networkCause() reads node: error codes and Deno's wording for DNS, resets and timeouts", () => {
  const coded = (code: string) =>
    Object.assign(new Error(`getaddrinfo ${code} x.test`), { code });
  assert.equal(networkCause(coded("ENOTFOUND"))?.message, "DNS name not found");
  assert.equal(networkCause(coded("EAI_AGAIN"))?.kind, "dns-failed");
  const wrapped = (message: string) =>
    new TypeError("fetch failed", { cause: new Error(message) });
  assert.equal(
    networkCause(
      wrapped(
        "error sending request for url (http://x.test/): client error (Connect): dns error: failed to lookup address information: Name or service not known",
      ),
    )?.kind,
    "dns-not-found",
  );
  assert.equal(
    networkCause(wrapped("connection error: Connection reset by peer"))
      ?.message,
    "connection reset",
  );
  assert.equal(
    networkCause(wrapped("tcp connect error: Connection timed out"))?.kind,
    "timeout",
  );
  assert.equal(networkCause(new Error("something else")), undefined);
});

Deno.test("failureText() never says only 'fetch failed'", () => {
  const err = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (http://a.test/): client error (Connect): odd failure",
    ),
  });
  assert.equal(failureText(err), "odd failure");
  assert.equal(failureText(new TypeError("dns error")), "dns error");
});

Deno.test("failureReason() gives a FetchError's reason without its URL", () => {
  const err = new FetchError("http://a.test/", "connection refused", {
    kind: "connection-refused",
  });
  assert.equal(err.message, "connection refused (http://a.test/)");
  assert.equal(failureReason(err), "connection refused");
  assert.equal(err.kind, "connection-refused");
});

Deno.test("crawl() reports a refused connection as 'connection refused' on the result", async () => {
  const port = closedPort();
  const [r] = await results([`http://127.0.0.1:${port}/`], {
    workers: 0,
    retries: 0,
    respectRobots: false,
  });
  assert.equal(r.status, 0);
  assert.deepEqual(r.error, {
    name: "FetchError",
    message: `connection refused (http://127.0.0.1:${port}/)`,
  });
});

Deno.test("crawl() says why a seed is skipped when its robots.txt is unreachable", async () => {
  const port = closedPort();
  const [r] = await results([`http://127.0.0.1:${port}/`], {
    workers: 0,
    retries: 0,
  });
  assert.equal(r.skipped, "robots");
  assert.deepEqual(r.error, {
    name: "FetchError",
    message: `robots.txt unreachable: connection refused (127.0.0.1:${port})`,
  });
});
