/**
 * Where `save` puts a URL's body: `HOST/PATH` under the folder, like
 * `wget -x`, by a mapping that never leaves the folder and never gives two
 * URLs (in normal form) one file, on any file system.
 *
 * - Names keep letters, digits, `-_.~!$&'()+,;=@` and the URL's own `%XX`
 *   escapes; any other character (`/`, `\`, `:`, `*`, `?`, `"`, `<`, `>`,
 *   `|`, `^`, a stray `%`, controls, NUL) becomes `^XX`, and so does a
 *   name's trailing dot, so no name is `.`, `..` or empty.
 * - `^` and a lowercase letter mark what the mapping adds: `^q` the query
 *   (`search?q=a` → `search^qq=a^f`), `^f` a file whose name has no dot (so
 *   `/a` and `/a/b` give the file `a^f` and the folder `a`), `^d` a folder
 *   whose name has one (`/v1.2/x`), `^z` an empty segment (`//`), `^u` the
 *   positions of upper-case letters (`Main_Page` → `Main_Page^u0.5`, so no
 *   two names differ by case alone: case-insensitive file systems), `^h`
 *   a hash ending a name cut to fit 255 bytes, `^p` a hash naming a path
 *   too long to keep.
 * - A path ending in `/` is saved as `index.html` (a page named
 *   `index.html` then gets `^f`). The folder of a host is its name, with
 *   `+PORT` for http (`127.0.0.1+8080`, `example.com+80`) and `+PORT+https`
 *   for https on a port other than 443.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { normalizeUrl } from "../url/normalize_url.ts";

/** Characters kept as they are in path and query names. */
const SAFE = /^[A-Za-z0-9\-_.~!$&'()+,;=@]$/;
/** Characters kept in a host's name (`+` separates the port). */
const HOST_SAFE = /^[A-Za-z0-9\-_.~!$&'(),;=@]$/;
/** The longest name most file systems allow, in bytes. */
const MAX_NAME = 255;
/** Names longer than that keep this many characters, then `^h` and a hash. */
const KEPT = 200;
/** Relative paths longer than this are replaced by `HOST/^pHASH`. */
const MAX_PATH = 2048;
const utf8 = new TextEncoder();

/**
 * The path, relative to the `save` folder, where the body of `url` is
 * written: `/`-separated names, none empty, `.` or `..`.
 *
 * @example
 * ```ts
 * import { savePath } from "./save_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(savePath("https://example.com/docs/"), "example.com/docs/index.html");
 * assert.equal(savePath("https://example.com/a/b.css"), "example.com/a/b.css");
 * assert.equal(savePath("http://127.0.0.1:8080/../x?y=1"), "127.0.0.1+8080/x^qy=1^f");
 * ```
 *
 * @param url An absolute http(s) URL.
 * @returns The relative path.
 * @throws {TypeError} When `url` is not an http(s) URL.
 */
export function savePath(url: string): string {
  const normal = normalizeUrl(url);
  if (normal === undefined) {
    throw new TypeError(
      `Cannot map a URL to a file as '${url}' is not an absolute http(s) URL`,
    );
  }
  const u = new URL(normal);
  const segments = u.pathname.split("/").slice(1);
  const last = segments.pop()!;
  const query = u.search === "" ? undefined : u.search.slice(1);
  const host = hostFolder(u);
  const names = [
    host,
    ...segments.map(folderName),
    fileName(last, query),
  ];
  const path = names.join("/");
  if (utf8.encode(path).byteLength <= MAX_PATH) return path;
  return `${host}/^p${sha1Hex(normal)}`;
}

/** The folder of a URL's host and port. */
function hostFolder(u: URL): string {
  let name = escape(u.hostname, HOST_SAFE);
  if (u.protocol === "http:") name += `+${u.port || "80"}`;
  else if (u.port !== "") name += `+${u.port}+https`;
  return finish(name);
}

/** The folder of one path segment. */
function folderName(segment: string): string {
  if (segment === "") return "^z";
  const name = escape(segment, SAFE);
  return finish(name.includes(".") ? `${name}^d` : name);
}

/** The file of the last path segment and the query. */
function fileName(last: string, query: string | undefined): string {
  let name = last === "" ? "index.html" : escape(last, SAFE);
  if (last !== "" && name.toLowerCase() === "index.html") name += "^f";
  if (query !== undefined) name += `^q${escape(query, SAFE)}`;
  if (!name.includes(".")) name += "^f";
  return finish(name);
}

/**
 * A name's safe form: `%XX` escapes kept (hex upper-cased), characters in
 * `safe` kept, every other character as `^XX` per UTF-8 byte, and a
 * trailing dot as `^2E`.
 */
function escape(text: string, safe: RegExp): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out += "%" + text.slice(i + 1, i + 3).toUpperCase();
      i += 2;
    } else if (safe.test(c)) {
      out += c;
    } else {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      for (const byte of utf8.encode(String.fromCodePoint(code))) {
        out += "^" + byte.toString(16).toUpperCase().padStart(2, "0");
      }
    }
  }
  return out.endsWith(".") ? `${out.slice(0, -1)}^2E` : out;
}

/**
 * Adds the case marker (`^u` and the positions of literal upper-case
 * letters, as ranges) and cuts a name too long for the file system.
 */
function finish(name: string): string {
  const upper: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x25 || (c === 0x5e && /[0-9A-F]/.test(name[i + 1] ?? ""))) {
      i += 2; // %XX or ^XX
    } else if (c === 0x5e) {
      i += 1; // ^ and a marker letter
    } else if (c >= 0x41 && c <= 0x5a) {
      upper.push(i);
    }
  }
  if (upper.length > 0) name += `^u${ranges(upper)}`;
  if (name.length <= MAX_NAME) return name;
  return `${name.slice(0, KEPT)}^h${sha1Hex(name)}`;
}

/** `0,1,2,5` as `0-2.5`. */
function ranges(sorted: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(".");
}

function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
