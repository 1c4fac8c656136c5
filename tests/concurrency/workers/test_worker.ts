/**
 * A worker for the WorkerPool tests: the `op` of each task picks what it does.
 *
 * @module
 */
import { resourceLimits } from "node:worker_threads";
import process from "node:process";
import { serveWorker } from "../../../src/concurrency/serve_worker.ts";
import { traceVar } from "../../../src/telemetry/trace.ts";

/** A task for this worker. */
export type TestTask =
  | { op: "echo"; value: unknown }
  | { op: "throw" }
  | { op: "reject" }
  | { op: "throwString" }
  | { op: "crash" }
  | { op: "close" }
  | { op: "spin" }
  | { op: "hang" }
  | { op: "context" }
  | { op: "uncloneable" }
  | { op: "permission" }
  | { op: "limits" }
  | { op: "hog" }
  | { op: "exit" };

function handler(task: TestTask): unknown {
  switch (task.op) {
    case "echo":
      return task.value;
    case "throw":
      throw new TypeError("bad input");
    case "reject":
      return Promise.resolve().then(() => {
        throw new RangeError("async failure");
      });
    case "throwString":
      throw "just a string";
    case "crash":
      setTimeout(() => {
        throw new Error("boom");
      }, 0);
      return new Promise(() => {});
    case "close":
      self.close();
      return new Promise(() => {});
    case "spin":
      for (;;) {
        // Synchronous CPU work only termination can stop.
      }
    case "hang":
      return new Promise(() => {});
    case "context":
      return traceVar.get();
    case "uncloneable":
      return () => 1;
    case "permission":
      return Deno.permissions.querySync({ name: "read" }).state;
    case "limits":
      // The heap limits of a `node:worker_threads` worker.
      return { ...resourceLimits };
    case "hog": {
      // Keeps allocating until the heap limit ends the worker.
      const kept: { i: number; s: string }[] = [];
      for (let i = 0;; i++) kept.push({ i, s: `x${i}` });
    }
    case "exit":
      process.exit(3);
  }
}

serveWorker(handler, { context: traceVar });
