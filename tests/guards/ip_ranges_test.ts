import assert from "node:assert/strict";
import fc from "fast-check";
import { isForbiddenAddress } from "../../src/guards/ip_ranges.ts";

// Addresses are only classified here, never connected to.
const FORBIDDEN = [
  // IPv4, each range with its edges.
  "0.0.0.0",
  "0.255.255.255",
  "10.0.0.0",
  "10.255.255.255",
  "100.64.0.0",
  "100.127.255.255",
  "127.0.0.1",
  "127.255.255.254",
  "169.254.0.1",
  "169.254.169.254",
  "172.16.0.0",
  "172.31.255.255",
  "192.0.0.0",
  "192.0.0.255",
  "192.0.2.1",
  "192.168.0.1",
  "192.168.255.255",
  "198.18.0.0",
  "198.19.255.255",
  "198.51.100.7",
  "203.0.113.9",
  "224.0.0.1",
  "239.255.255.255",
  "240.0.0.1",
  "255.255.255.255",
  // IPv6.
  "::",
  "::1",
  "0:0:0:0:0:0:0:1",
  "[::1]",
  "fc00::1",
  "fdff:ffff::1",
  "fe80::1",
  "fe80::1%eth0",
  "febf:ffff::1",
  "fec0::1",
  "ff02::1",
  "ff05::2",
  "2001:db8::1",
  "2001:DB8:ffff::1",
  "3fff::1",
  "100::1",
  // IPv4 embedded in IPv6.
  "::ffff:127.0.0.1",
  "::ffff:7f00:1",
  "[::ffff:7f00:1]",
  "::FFFF:A9FE:A9FE",
  "::ffff:10.0.0.1",
  "::ffff:0:192.168.1.1",
  "::127.0.0.1",
  "::8.8.8.8", // IPv4-compatible is deprecated: always refused
  "64:ff9b::127.0.0.1",
  "64:ff9b::a9fe:a9fe",
  "64:ff9b:1::8.8.8.8", // local-use NAT64
  "2002:7f00:1::1",
  "2002:a9fe:a9fe::",
  "2002:c0a8:101::1",
  "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo client 10.0.0.1
  // Unparseable: fail closed.
  "",
  "localhost",
  "example.com",
  "127.1",
  "0x7f.0.0.1",
  "2130706433",
  "010.0.0.1",
  "1.2.3.256",
  "1.2.3.4.5",
  "1.2.3.4 ",
  " 1.2.3.4",
  "1.2.3.4.",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  ":::",
  "12345::",
  "::ffff:1.2.3",
  "::1.2.3.4:5",
  "g::1",
  "[2606:4700::1",
];

const ALLOWED = [
  "8.8.8.8",
  "1.1.1.1",
  "93.184.216.34",
  "100.63.255.255",
  "100.128.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "192.0.1.255",
  "192.0.3.0",
  "192.167.255.255",
  "192.169.0.0",
  "198.17.255.255",
  "198.20.0.0",
  "223.255.255.255",
  "9.255.255.255",
  "11.0.0.0",
  "126.255.255.255",
  "128.0.0.0",
  "169.253.255.255",
  "169.255.0.0",
  "2606:4700::1",
  "2606:4700:4700::1111",
  "[2606:4700::1]",
  "2a00:1450:4001:80b::200e",
  "::ffff:8.8.8.8",
  "::ffff:808:808",
  "::ffff:0:8.8.8.8",
  "64:ff9b::8.8.8.8",
  "2002:808:808::1",
  "2001:0:4136:e378:8000:63bf:f7f7:f7f7", // Teredo client 8.8.8.8
  "3fff:1000::1",
];

Deno.test("isForbiddenAddress() refuses every forbidden range and unparseable text", () => {
  for (const ip of FORBIDDEN) {
    assert.equal(isForbiddenAddress(ip), true, `${ip} must be forbidden`);
  }
});

Deno.test("isForbiddenAddress() allows public addresses next to the ranges", () => {
  for (const ip of ALLOWED) {
    assert.equal(isForbiddenAddress(ip), false, `${ip} must be allowed`);
  }
});

Deno.test("isForbiddenAddress() refuses non-strings and very long input", () => {
  for (const v of [undefined, null, 2130706433, {}, ["127.0.0.1"]]) {
    assert.equal(isForbiddenAddress(v as unknown as string), true);
  }
  assert.equal(isForbiddenAddress("1".repeat(10_000)), true);
  assert.equal(isForbiddenAddress(`2606:4700::1%${"x".repeat(200)}`), true);
});

Deno.test("isForbiddenAddress() refuses odd IPv4 spellings once URL has normalized them", () => {
  const spellings = [
    "0x7f.1",
    "2130706433",
    "017700000001",
    "0x7f000001",
    "127.1",
    "127.0.1",
    "0177.0.0.1",
    "127.0.0.1.",
    "0",
    "0xA9.0xFE.0xA9.0xFE",
    "2852039166", // 169.254.169.254
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "[::]",
  ];
  for (const s of spellings) {
    const { hostname } = new URL(`http://${s}/`);
    assert.equal(isForbiddenAddress(hostname), true, `${s} → ${hostname}`);
  }
  assert.equal(new URL("http://0x7f.1/").hostname, "127.0.0.1");
  assert.equal(
    isForbiddenAddress(new URL("http://134744072/").hostname),
    false,
  ); // 8.8.8.8
});

Deno.test("isForbiddenAddress() never throws and judges dotted and IPv4-mapped forms alike", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
      assert.equal(typeof isForbiddenAddress(s), "boolean");
    }),
    { numRuns: 10_000 },
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF:.[]%") }),
        fc.ipV6(),
      ),
      (s) => {
        assert.equal(typeof isForbiddenAddress(s), "boolean");
      },
    ),
    { numRuns: 10_000 },
  );
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      const n = ip.split(".").map(Number);
      const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
      const dotted = isForbiddenAddress(ip);
      assert.equal(isForbiddenAddress(`::ffff:${ip}`), dotted, ip);
      assert.equal(
        isForbiddenAddress(`::ffff:${hex(n[0], n[1])}:${hex(n[2], n[3])}`),
        dotted,
        ip,
      );
      assert.equal(
        isForbiddenAddress(new URL(`http://[::ffff:${ip}]/`).hostname),
        dotted,
        ip,
      );
      assert.equal(isForbiddenAddress(`64:ff9b::${ip}`), dotted, ip);
    }),
    { numRuns: 10_000 },
  );
});
