import * as fs from "node:fs/promises";
import { UserError } from "../kernel/errors.js";
import { sha256File } from "./zip.js";

/**
 * Checks a bundle against its SHA-256 before it is run: what the MCPB Python runtime does with
 * `BUNDLE_SHA256` (it verifies the download when the variable is set), as a command.
 */

/** Lower-case hex SHA-256: 64 hex digits. */
const HEX = /^[0-9a-f]{64}$/;

/** The `<bundle>.sha256` file written beside every bundle (sha256sum format: `HEX  NAME`). */
export function sha256FileName(bundle: string): string {
  return `${bundle}.sha256`;
}

/**
 * Verifies `file`'s SHA-256.
 *
 * @param expected - the hash to expect (any case); when absent, the first field of `<file>.sha256`.
 * @returns the actual hash (it matched).
 * @throws UserError, one line, when the file is missing, the expected hash is not 64 hex digits
 *   or cannot be read, or the hashes differ (naming both).
 */
export async function verifyBundle(file: string, expected?: string): Promise<string> {
  if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) throw new UserError(`${file}: no such bundle`);
  let want = expected?.trim().toLowerCase();
  if (want === undefined) {
    const side = sha256FileName(file);
    // A regular, small file only: a FIFO or a device there would block, a huge file is not a hash.
    const st = await fs.stat(side).catch(() => null);
    const text = st?.isFile() && st.size <= 4096 ? await fs.readFile(side, "utf8").catch(() => null) : null;
    if (text === null) throw new UserError(`no --sha256 given and no readable ${side} beside the bundle (a regular file of at most 4 KiB)`);
    want = text.trim().split(/\s+/)[0]!.toLowerCase();
  }
  if (!HEX.test(want)) throw new UserError(`expected SHA256 must be 64 hex digits (got ${JSON.stringify(want.slice(0, 80))})`);
  const got = await sha256File(file);
  if (got !== want) throw new UserError(`SHA256 mismatch for ${file}: expected ${want}, got ${got}; do not run this bundle`);
  return got;
}
