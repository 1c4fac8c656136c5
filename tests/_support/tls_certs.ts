/**
 * Test helper: a throwaway certificate authority and a server certificate
 * for 127.0.0.1 and localhost, made with `openssl` in a temporary folder
 * (removed on dispose), for a TLS `redis-server`.
 *
 * @module
 */
import { join } from "node:path";
import type { ServerTls } from "./redis_server.ts";

/** The files of {@linkcode makeTestCerts}, removed on dispose. */
export interface TestCerts extends ServerTls, AsyncDisposable {
  /** The folder holding them. */
  dir: string;
  /** A CA that signed nothing here (its certificate file). */
  otherCaFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `openssl ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
}

/** Whether `openssl` can be run. */
export async function hasOpenssl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    return false;
  }
}

/**
 * Makes a CA, a server certificate signed by it (for `IP:127.0.0.1` and
 * `DNS:localhost`) and a second, unrelated CA.
 *
 * @returns The files.
 */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_tls_" });
  try {
    const key = ["-newkey", "rsa:2048", "-nodes"];
    for (const name of ["ca", "other"]) {
      await openssl(
        [
          "req",
          "-x509",
          ...key,
          "-days",
          "2",
          "-subj",
          `/CN=trawl test ${name}`,
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.crt`,
        ],
        dir,
      );
    }
    await openssl(
      [
        "req",
        ...key,
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
      ],
      dir,
    );
    await Deno.writeTextFile(
      join(dir, "ext.cnf"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    await openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.crt",
      ],
      dir,
    );
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
  const caFile = join(dir, "ca.crt");
  return {
    dir,
    caFile,
    certFile: join(dir, "server.crt"),
    keyFile: join(dir, "server.key"),
    ca: await Deno.readTextFile(caFile),
    otherCaFile: join(dir, "other.crt"),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}
