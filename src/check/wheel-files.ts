/**
 * The import names a wheel provides, read from its file list without downloading it: two HTTP
 * range requests for the zip's end-of-central-directory record and its central directory
 * (PKWARE APPNOTE 4.3.12/4.3.16; a wheel is a zip, PEP 427). Used by `check` to map
 * `import X` to the distributions of a resolved requirements set.
 */

/** What one wheel installs: dotted module/package names up to three levels (`google.cloud.firestore`), and top-level regular packages. */
export interface WheelProvides {
  /** Dotted names of every package folder and module, truncated to three levels. */
  provides: string[];
  /** Top-level names that are regular packages (have `__init__.py`) or plain modules: they own their whole namespace. */
  owned: string[];
}

async function range(url: string, start: number, end: number | null, signal: AbortSignal): Promise<Buffer> {
  const res = await fetch(url, { headers: { range: end === null ? `bytes=-${start}` : `bytes=${start}-${end}` }, signal });
  if (res.status !== 206 && res.status !== 200) throw new Error(`HTTP ${res.status} for ${url}`);
  return Buffer.from(await res.arrayBuffer());
}

/** File names of a zip's central directory (exported for tests). */
export function centralDirectoryNames(cd: Buffer): string[] {
  const names: string[] = [];
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === 0x02014b50) {
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    names.push(cd.subarray(p + 46, p + 46 + nameLen).toString("utf8"));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** Turns a wheel's file names into what it provides (skips `*.dist-info/`, `*.data/`, `__pycache__`). */
export function providesFromNames(names: string[]): WheelProvides {
  const provides = new Set<string>();
  const owned = new Set<string>();
  for (const name of names) {
    const parts = name.split("/");
    if (/\.(dist-info|data)$/.test(parts[0]!) || parts.includes("__pycache__")) continue;
    const file = parts[parts.length - 1]!;
    const mod = /^([A-Za-z_][A-Za-z0-9_]*)(\..*)?\.(py|pyi|so|pyd)$/.exec(file);
    if (parts.length === 1) {
      if (mod && mod[3] !== "pyi") {
        provides.add(mod[1]!);
        owned.add(mod[1]!);
      }
      continue;
    }
    const dirs = parts.slice(0, -1);
    if (!dirs.every((d) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(d))) continue;
    if (dirs.length === 1 && file === "__init__.py") owned.add(dirs[0]!);
    for (let i = 1; i <= Math.min(3, dirs.length); i++) provides.add(dirs.slice(0, i).join("."));
    if (mod && dirs.length < 3 && file !== "__init__.py") provides.add([...dirs, mod[1]!].join("."));
  }
  return { provides: [...provides].sort(), owned: [...owned].sort() };
}

/**
 * Reads what a wheel at `url` provides.
 *
 * @throws on network errors, non-range-capable servers or a file that is not a zip.
 */
export async function wheelProvides(url: string, timeoutMs = 20_000): Promise<WheelProvides> {
  const signal = AbortSignal.timeout(timeoutMs);
  const tail = await range(url, 65_557, null, signal);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`not a zip: ${url}`);
  let size = tail.readUInt32LE(eocd + 12);
  let offset = tail.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || size === 0xffffffff) {
    // zip64: the zip64 end record's locator sits just before the classic record.
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) throw new Error(`zip64 without locator: ${url}`);
    const recOffset = Number(tail.readBigUInt64LE(loc + 8));
    const rec = await range(url, recOffset, recOffset + 55, signal);
    size = Number(rec.readBigUInt64LE(40));
    offset = Number(rec.readBigUInt64LE(48));
  }
  const cd = await range(url, offset, offset + size - 1, signal);
  return providesFromNames(centralDirectoryNames(cd));
}
