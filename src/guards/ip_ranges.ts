/**
 * Which IP addresses a crawler of the public web must not connect to:
 * loopback, private (RFC 1918), CGNAT, link-local (cloud metadata),
 * multicast, documentation, benchmarking and other reserved blocks, for
 * IPv4 and IPv6, with IPv4 embedded in IPv6 (mapped, translated, NAT64,
 * 6to4, Teredo) judged by the IPv4 address.
 *
 * @module
 */

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The forbidden IPv4 blocks: base address (as text) and prefix length. */
const FORBIDDEN_V4_TEXT = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // CGNAT (RFC 6598)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
] as const;

/** The forbidden IPv4 blocks as `[base >>> (32 - bits), bits]`. */
const FORBIDDEN_V4: ReadonlyArray<readonly [number, number]> = FORBIDDEN_V4_TEXT
  .map(([ip, bits]) => [parseIPv4(ip)! >>> (32 - bits), bits]);

/**
 * Whether a crawler of the public web must refuse to connect to `ip`.
 *
 * IPv4 (dotted decimal, as resolvers and `URL.hostname` give it): `0/8`,
 * `10/8`, `100.64/10`, `127/8`, `169.254/16`, `172.16/12`, `192.0.0/24`,
 * `192.0.2/24`, `192.168/16`, `198.18/15`, `198.51.100/24`, `203.0.113/24`,
 * `224/4`, `240/4` (with `255.255.255.255`).
 *
 * IPv6 (with or without brackets; a `%zone` is ignored): only global unicast
 * `2000::/3` may be allowed, so `::`, `::1`, ULA `fc00::/7`, link-local
 * `fe80::/10`, multicast `ff00::/8` and every other reserved block are
 * forbidden. Within `2000::/3`: documentation `2001:db8::/32` and
 * `3fff::/20`, benchmarking `2001:2::/48` and ORCHID `2001:10::/28`,
 * `2001:20::/28` are forbidden; 6to4 `2002::/16` and Teredo `2001::/32` are
 * forbidden when an IPv4 address they embed is. Outside it, IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d` and NAT64
 * `64:ff9b::/96` follow the embedded IPv4 address; the deprecated
 * IPv4-compatible `::a.b.c.d` and local NAT64 `64:ff9b:1::/48` are always
 * forbidden.
 *
 * Anything else, including odd spellings (`0x7f.1`, `2130706433`, leading
 * zeros) and non-strings, is unparseable and forbidden: fail closed. Pass a
 * `URL`'s `hostname`, which the URL parser has already normalized (it turns
 * `http://0x7f.1/` into `127.0.0.1`).
 *
 * @example Classifying addresses
 * ```ts
 * import { isForbiddenAddress } from "./ip_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isForbiddenAddress("169.254.169.254"), true);
 * assert.equal(isForbiddenAddress("::ffff:10.0.0.1"), true);
 * assert.equal(isForbiddenAddress(new URL("http://2130706433/").hostname), true);
 * assert.equal(isForbiddenAddress("8.8.8.8"), false);
 * assert.equal(isForbiddenAddress("2606:4700::1"), false);
 * assert.equal(isForbiddenAddress("not an address"), true);
 * ```
 *
 * @param ip An IPv4 or IPv6 address in text form.
 * @returns `true` when connecting to it must be refused.
 */
export function isForbiddenAddress(ip: string): boolean {
  if (typeof ip !== "string" || ip.length > 100) return true;
  const v4 = parseIPv4(ip);
  if (v4 !== undefined) return isForbiddenV4(v4);
  let text = ip;
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const v6 = parseIPv6(text);
  return v6 === undefined ? true : isForbiddenV6(v6);
}

function isForbiddenV4(ip: number): boolean {
  for (const [prefix, bits] of FORBIDDEN_V4) {
    if ((ip >>> (32 - bits)) === prefix) return true;
  }
  return false;
}

function isForbiddenV6(g: Uint16Array): boolean {
  const v4At = (i: number) => ((g[i] << 16) | g[i + 1]) >>> 0;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0) {
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated).
    if (g[4] === 0 && g[5] === 0xffff) return isForbiddenV4(v4At(6));
    if (g[4] === 0xffff && g[5] === 0) return isForbiddenV4(v4At(6));
    // ::, ::1, deprecated ::a.b.c.d, and the rest of ::/8.
    return true;
  }
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    // NAT64 well-known prefix 64:ff9b::/96; 64:ff9b:1::/48 is local use.
    if (g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) {
      return isForbiddenV4(v4At(6));
    }
    return true;
  }
  if ((g[0] & 0xe000) !== 0x2000) return true; // not global unicast 2000::/3
  if (g[0] === 0x2001) {
    if (g[1] === 0x0db8) return true; // documentation
    if (g[1] === 0) {
      // Teredo: server IPv4, then the client's IPv4 inverted.
      return isForbiddenV4(v4At(2)) || isForbiddenV4(~v4At(6) >>> 0);
    }
    if (g[1] === 2 && g[2] === 0) return true; // benchmarking 2001:2::/48
    if ((g[1] & 0xfff0) === 0x10 || (g[1] & 0xfff0) === 0x20) return true; // ORCHID
  }
  if (g[0] === 0x2002) return isForbiddenV4(v4At(1)); // 6to4
  if (g[0] === 0x3fff && g[1] < 0x1000) return true; // documentation 3fff::/20
  return false;
}

/** Strict dotted decimal (no leading zeros) to a 32-bit number. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** RFC 4291 §2.2 text (optionally ending in dotted IPv4) to 8 groups. */
function parseIPv6(text: string): Uint16Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups: number[][] = [];
  for (let h = 0; h < halves.length; h++) {
    const out: number[] = [];
    groups.push(out);
    if (halves[h] === "") continue;
    const parts = halves[h].split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && part.includes(".")) {
        const v4 = parseIPv4(part);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (V6_GROUP.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
  }
  const result = new Uint16Array(8);
  if (halves.length === 1) {
    if (groups[0].length !== 8) return undefined;
    result.set(groups[0]);
  } else {
    const [head, tail] = groups;
    if (head.length + tail.length > 7) return undefined;
    result.set(head);
    result.set(tail, 8 - tail.length);
  }
  return result;
}
