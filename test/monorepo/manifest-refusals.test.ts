import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CannotRunError, UserError } from "../../src/kernel/errors.js";
import { decodeUtf8, firstInvalidUtf8, readTextOrNull } from "../../src/kernel/fs.js";
import { parseManifest } from "../../src/monorepo/manifest.js";

// What the manifest must refuse, each with a message that leads to the fix in one step.

const BASE = 'formatVersion: 1\nproject: demo\npython: "3.12"\nrepository: a/b\nbranch: main\n';
const server = (name: string, folder = `server-${name}`) =>
  `  - name: ${name}\n    description: d\n    folder: ${folder}\n    entrypoint: ${folder}/src/server.py:mcp\n    requirements: ${folder}/requirements.txt\n`;
const refusal = (text: string): CannotRunError => {
  try {
    parseManifest(text, "/r");
  } catch (err) {
    expect(err).toBeInstanceOf(CannotRunError);
    return err as CannotRunError;
  }
  throw new Error("the manifest was accepted");
};

describe("manifest refusals", () => {
  it("two servers with one name (each command would pick either)", () => {
    const e = refusal(`${BASE}servers:\n${server("ops")}${server("ops", "server-ops2")}`);
    expect(e.message).toBe('mcp-monorepo.yaml:12: servers.1.name: "ops" is also the name of servers[0]; each server has a name of its own');
  });

  it("`target:` for `targets:` is refused with a did-you-mean at its own line", () => {
    const e = refusal(`${BASE}target:\n  - docker\nservers:\n${server("ops")}`);
    expect(e.message).toBe('mcp-monorepo.yaml:6: (top level): unknown key "target"; did you mean "targets"?');
    expect(e.detail.join("\n")).toContain("target:");
  });

  it("`server:` for `servers:` points at the `server:` line, not elsewhere", () => {
    const e = refusal(`${BASE}server:\n${server("ops")}`);
    expect(e.message).toBe('mcp-monorepo.yaml:6: (top level): unknown key "server"; did you mean "servers"?');
  });

  it("an unknown key inside a server entry", () => {
    const e = refusal(`${BASE}servers:\n${server("ops")}    transprot: http\n`);
    expect(e.message).toBe('mcp-monorepo.yaml:12: servers.0: unknown key "transprot"; did you mean "transport"?');
  });

  it("`formatVersion: 2` is not told to quote it (quoting cannot help); `python: 3.12` still is", () => {
    const e = refusal(BASE.replace("formatVersion: 1", "formatVersion: 2") + `servers:\n${server("ops")}`);
    expect(e.message).not.toContain("quote it");
    expect(e.message).toContain("reads format 1");
    const p = refusal(BASE.replace('python: "3.12"', "python: 3.12") + `servers:\n${server("ops")}`);
    expect(p.message).toContain('quote it, python: "3.12"');
  });

  it("a valid manifest still loads", () => {
    expect(parseManifest(`${BASE}targets:\n  - docker\nservers:\n${server("ops")}${server("billing")}`, "/r").manifest.servers).toHaveLength(2);
  });
});

describe("UTF-8 only, never U+FFFD in copies", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("finds the first byte that is not UTF-8", () => {
    expect(firstInvalidUtf8(Buffer.from("café ✓", "utf8"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe9, 0x63]))).toBe(2); // Latin-1 é
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0x80]))).toBe(0); // overlong
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(firstInvalidUtf8(Buffer.from([0xe2, 0x9c]))).toBe(0); // cut short
  });

  it("refuses a Latin-1 file in one line naming the file, the byte and its offset; keeps a BOM", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcpm-utf8-"));
    dirs.push(dir);
    const file = path.join(dir, "requirements.txt");
    await writeFile(file, Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from("\nhttpx\n")]));
    await expect(readTextOrNull(file, "shared/requirements.txt")).rejects.toThrow(
      new UserError("shared/requirements.txt is not UTF-8 text (byte 0xE9 at offset 5, e.g. Latin-1): save it as UTF-8, then run the command again"),
    );
    expect(decodeUtf8(Buffer.from("\ufeffA=1\n", "utf8"), "x")).toBe("\ufeffA=1\n");
    expect(await readTextOrNull(path.join(dir, "missing"))).toBeNull();
  });
});
