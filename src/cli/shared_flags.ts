/**
 * The flags of a crawl shared through Redis, rows of the command's one flag
 * table (`FLAGS` in `flags.ts` takes them in its order; `status` takes the
 * store's).
 *
 * @module
 */
import { STORE_DEFAULTS } from "../frontier/defaults.ts";
import {
  CLUSTER_SLOTS,
  CRAWL_NAME,
  LEASE_MS,
  REDIS_URL,
  SLOTS,
  WORKER_ID,
} from "../frontier/redis/rules.ts";
import { NON_NEGATIVE_NUMBER } from "../options/validate.ts";
import { decimal, fileName, word } from "./flag_parsers.ts";
import { showDefault } from "./flag_defaults.ts";
import type { Flag } from "./flags.ts";

/** The shared-crawl flags, listed among the output flags. */
export const SHARED_FLAGS: readonly Flag[] = [
  {
    name: "frontier",
    arg: "URL",
    group: "Output",
    sets: "frontier",
    parse: word(REDIS_URL),
    needs: { oneOf: ["crawl"], text: "--crawl NAME" },
    help: "share the crawl with other trawl processes through Redis " +
      "(needs --crawl): redis://[USER:PASSWORD@]HOST:PORT/DB, rediss://... " +
      "over TLS, or a Redis Cluster: redis+cluster://HOST:PORT,HOST:PORT,... " +
      "(rediss+cluster://)",
  },
  {
    name: "crawl",
    arg: "NAME",
    group: "Output",
    sets: "crawl",
    parse: word(CRAWL_NAME),
    needs: { oneOf: ["frontier"], text: "--frontier redis://HOST:PORT/DB" },
    help: `the shared crawl's name (with --frontier): ${CRAWL_NAME.text}`,
  },
  {
    name: "worker",
    arg: "ID",
    group: "Output",
    sets: "worker",
    parse: word(WORKER_ID),
    needs: { oneOf: ["frontier"], text: "--frontier URL --crawl NAME" },
    help: "this process's id in the shared crawl; a restart with the same " +
      "id writes what the last run committed but had not written",
    default: "HOSTNAME:OUT-PATH with --out, else HOSTNAME/PID",
  },
  {
    name: "lease",
    arg: "MS",
    group: "Output",
    sets: "leaseMs",
    parse: decimal(LEASE_MS),
    needs: { oneOf: ["frontier"], text: "--frontier URL --crawl NAME" },
    help: "a dead process's URLs go back to the frontier this long after " +
      "its last heartbeat",
    default: showDefault(STORE_DEFAULTS.leaseMs),
  },
  {
    name: "redis-timeout",
    arg: "MS",
    group: "Output",
    sets: "redisTimeoutMs",
    parse: decimal(NON_NEGATIVE_NUMBER),
    needs: { oneOf: ["frontier"], text: "--frontier URL --crawl NAME" },
    help: "how long Redis may be unreachable (trawl pauses and retries; " +
      "also a server that does not answer) before the crawl fails with " +
      "exit code 3",
    default: showDefault(STORE_DEFAULTS.redisTimeoutMs),
  },
  {
    name: "redis-slots",
    arg: "N",
    group: "Output",
    sets: "redisSlots",
    parse: decimal(SLOTS),
    needs: { oneOf: ["frontier"], text: "--frontier URL --crawl NAME" },
    help: "how many hash slots a new shared crawl spreads its hosts over " +
      "(each host's keys in one): on a Redis Cluster the load spreads over " +
      `the nodes; fixed when the crawl is created; ${SLOTS.text}`,
    default: `1 on one server, ${CLUSTER_SLOTS} on a cluster`,
  },
  {
    name: "redis-ca",
    arg: "FILE",
    group: "Output",
    sets: "redisCa",
    parse: fileName("a file"),
    needs: { oneOf: ["frontier"], text: "--frontier rediss://..." },
    help: "the CA certificate(s), PEM, that a rediss:// server's certificate " +
      "must chain to (DENO_TLS_CA_STORE=system uses the system's store)",
    default: "the runtime's store",
  },
];
