import assert from "node:assert/strict";
import { parseSeedList, seedHosts } from "../../src/cli/seeds.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

Deno.test("parseSeedList() skips comments and blanks and names bad lines", () => {
  assert.deepEqual(
    parseSeedList(
      "# seeds\n\nhttps://a.example/\r\n  http://b.example/x  \n#x\n",
      "s.txt",
    ),
    ["https://a.example/", "http://b.example/x"],
  );
  assert.deepEqual(parseSeedList("", "s.txt"), []);
  assert.throws(
    () => parseSeedList("https://a.example/\n\nmailto:x@y\n", "s.txt"),
    new UsageError(`seed "mailto:x@y" (s.txt line 3) is not an http(s) URL`),
  );
  assert.throws(
    () => parseSeedList("nope", "-"),
    new UsageError(`seed "nope" (stdin line 1) is not an http(s) URL`),
  );
});

Deno.test("seedHosts() lists distinct host names without ports", () => {
  assert.deepEqual(
    seedHosts([
      "http://127.0.0.1:8000/",
      "https://a.example/",
      "http://127.0.0.1:9000/x",
    ]),
    ["127.0.0.1", "a.example"],
  );
});
