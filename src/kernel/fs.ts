import * as fs from "node:fs/promises";
import { UserError } from "./errors.js";

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all of it is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * Decodes UTF-8 text, refusing anything else: decoding Latin-1 or CP-1252 bytes as UTF-8 would
 * turn each of them into U+FFFD, and every copy written from the text would lose them for good.
 * A byte order mark is kept as it is.
 *
 * @param shown - the file's name in the message.
 * @throws UserError naming the file, the byte and its offset.
 */
export function decodeUtf8(bytes: Uint8Array, shown: string): string {
  const at = firstInvalidUtf8(bytes);
  if (at >= 0) {
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, "0");
    throw new UserError(`${shown} is not UTF-8 text (byte 0x${hex} at offset ${at}, e.g. Latin-1): save it as UTF-8, then run the command again`);
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/**
 * Reads a UTF-8 file, or null when it does not exist.
 *
 * @param shown - the file's name in messages (default: the path as given).
 * @throws UserError when the file is not UTF-8 ({@link decodeUtf8}).
 */
export async function readTextOrNull(file: string, shown: string = file): Promise<string | null> {
  const bytes = await readBytesOrNull(file);
  return bytes === null ? null : decodeUtf8(bytes, shown);
}

/**
 * Reads a file's bytes, or null when it does not exist.
 *
 * @throws the read error otherwise, its `path` set to `file` (reading a folder fails with EISDIR
 *   and no path), so the message names the file.
 */
export async function readBytesOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    if (err && typeof err === "object" && !(err as NodeJS.ErrnoException).path) (err as NodeJS.ErrnoException).path = file;
    throw err;
  }
}

/** Whether anything (file, folder, link target) exists at `p`; never throws. */
export async function pathExists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}
