import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/kernel/errors.js";
import { readRequirementsFile, requirementLines, requirementsEncoding } from "../../src/monorepo/requirements.js";
import { tempDir } from "../check/helpers.js";

// One reader of requirements files for every command that installs from one (dev, test, verify,
// bundle; check reads leniently with the same encoding rule): pip's and uv's decoding.

const TEXT = "fastmcp>=4.0,<5  # pinned\nhttpx==0.28.1\n-r other.txt\n";
const utf16 = (text: string, be: boolean) => {
  const le = Buffer.from("\uFEFF" + text, "utf16le");
  return be ? Buffer.from(le.map((_, i) => le[i ^ 1]!)) : le;
};

describe("readRequirementsFile", () => {
  it("reads UTF-8 (with or without a BOM) and UTF-16 LE/BE with a BOM to the same text", async () => {
    const dir = await tempDir();
    const files: Record<string, Buffer> = {
      "plain.txt": Buffer.from(TEXT),
      "bom8.txt": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]),
      "le.txt": utf16(TEXT, false),
      "be.txt": utf16(TEXT, true),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
    expect(requirementsEncoding(files["le.txt"]!)).toBe("utf-16le");
    expect(requirementsEncoding(files["be.txt"]!)).toBe("utf-16be");
    expect(requirementsEncoding(files["bom8.txt"]!)).toBe("utf-8");
    for (const name of Object.keys(files)) {
      const text = await readRequirementsFile(path.join(dir, name));
      expect(text, name).toBe(TEXT);
      expect(requirementLines(text), name).toEqual(["fastmcp>=4.0,<5", "httpx==0.28.1"]);
    }
  });

  it("null for a missing file; a one-line UserError naming the file for Latin-1 bytes; the read error names a folder", async () => {
    const dir = await tempDir();
    expect(await readRequirementsFile(path.join(dir, "nope.txt"))).toBeNull();
    await writeFile(path.join(dir, "latin1.txt"), Buffer.from("caf\xe9-tools==1\n", "latin1"));
    const err = await readRequirementsFile(path.join(dir, "latin1.txt"), "server-ops/requirements.txt").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^server-ops\/requirements\.txt is not UTF-8 text \(byte 0xE9 at offset 3/);
    await mkdir(path.join(dir, "folder.txt"));
    const dirErr = (await readRequirementsFile(path.join(dir, "folder.txt")).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(dirErr.code).toBe("EISDIR");
    expect(dirErr.path).toBe(path.join(dir, "folder.txt"));
  });
});
