import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, tempDir } from "./helpers.js";

// A requirements.txt saved as UTF-16 with a byte order mark (what Windows editors write) is read
// as pip and uv read it, so the packages it names are declared.

const SERVER = 'import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP("enc")\n\n\n@mcp.tool\ndef ping() -> str:\n    return httpx.__name__\n';

async function serverWith(requirements: Buffer): Promise<string> {
  const root = await tempDir();
  const dir = path.join(root, "server-enc");
  await mkdir(path.join(dir, "src"), { recursive: true });
  await writeFile(path.join(dir, "src", "server.py"), SERVER);
  await writeFile(path.join(dir, "requirements.txt"), requirements);
  return root;
}

const undeclared = async (root: string) => (await checkJson(root, ["--offline"])).json.findings.filter((f) => f.rule === "undeclared-dependency").map((f) => f.message);

describe("requirements.txt encodings", () => {
  const text = "fastmcp>=4,<5\r\nhttpx>=0.27\r\n";
  it("UTF-16 LE and BE with a BOM declare what they list, as UTF-8 does", async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le.subarray(0)).swap16();
    for (const bytes of [Buffer.from(text, "utf8"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]), le, be]) {
      expect(await undeclared(await serverWith(bytes))).toEqual([]);
    }
  });

  it("the same file without httpx still reports the import", async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("fastmcp>=4,<5\r\n", "utf16le")]);
    const found = await undeclared(await serverWith(le));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("httpx");
  });
});
