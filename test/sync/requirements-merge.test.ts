import { describe, expect, it } from "vitest";
import { renderServerRequirements, SHARED_BLOCK_BEGIN, SHARED_BLOCK_END } from "../../src/monorepo/requirements.js";
import { checkSharedRequirements, mergeRequirements } from "../../src/monorepo/requirements-merge.js";

const base = { sharedFile: "shared/requirements.txt", serverFile: "server-ops/requirements.txt", serverFolder: "server-ops" };

describe("mergeRequirements", () => {
  it("is a no-op on what create writes", () => {
    const text = renderServerRequirements("server-ops", "httpx>=0.27\n", ["pydantic>=2"]);
    expect(mergeRequirements({ ...base, sharedText: "httpx>=0.27\n", serverText: text })).toEqual({ text, problems: [] });
  });

  it("replaces only the managed block and keeps the server's own lines byte for byte", () => {
    const own = "# my comment\nfastmcp>=4.0,<5   # pinned\n\n";
    const tail = "\n# own\npydantic >= 2\n";
    const serverText = `${own}${SHARED_BLOCK_BEGIN}\nhttpx>=0.27\n${SHARED_BLOCK_END}${tail}`;
    const r = mergeRequirements({ ...base, sharedText: "# comment\nhttpx>=0.28\nanyio\n", serverText });
    expect(r.problems).toEqual([]);
    expect(r.text).toBe(`${own}${SHARED_BLOCK_BEGIN}\nhttpx>=0.28\nanyio\n${SHARED_BLOCK_END}${tail}`);
  });

  it("keeps CRLF line endings", () => {
    const serverText = `fastmcp\r\n${SHARED_BLOCK_BEGIN}\r\n${SHARED_BLOCK_END}\r\n`;
    expect(mergeRequirements({ ...base, sharedText: "anyio\n", serverText }).text).toBe(`fastmcp\r\n${SHARED_BLOCK_BEGIN}\r\nanyio\r\n${SHARED_BLOCK_END}\r\n`);
  });

  it("appends the block to a file without one, and writes a missing file as create does", () => {
    expect(mergeRequirements({ ...base, sharedText: "anyio\n", serverText: "fastmcp\n\n" }).text).toBe(`fastmcp\n\n${SHARED_BLOCK_BEGIN}\nanyio\n${SHARED_BLOCK_END}\n`);
    expect(mergeRequirements({ ...base, sharedText: "anyio\n", serverText: null }).text).toBe(renderServerRequirements("server-ops", "anyio\n"));
  });

  it("names both file:line when shared and server ask for different specifiers of one package", () => {
    const serverText = `fastmcp\nHTTPX<0.25\n${SHARED_BLOCK_BEGIN}\nhttpx>=0.27\n${SHARED_BLOCK_END}\n`;
    const r = mergeRequirements({ ...base, sharedText: "\nhttpx>=0.27\n", serverText });
    expect(r.text).toBeNull();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: "server-ops/requirements.txt", line: 2 });
    expect(r.problems[0]!.message).toContain("shared/requirements.txt:2");
    expect(r.problems[0]!.message).toContain("server-ops/requirements.txt:2");
  });

  it("accepts the same package with the same specifier (spacing, order and extras aside)", () => {
    const serverText = `httpx[http2] >= 0.27 , <1\n${SHARED_BLOCK_BEGIN}\n${SHARED_BLOCK_END}\n`;
    expect(mergeRequirements({ ...base, sharedText: "httpx<1,>=0.27\n", serverText }).problems).toEqual([]);
  });

  it("reports non-PyPI lines among the server's own lines with file:line", () => {
    const serverText = `fastmcp\n-e ../shared\ngit+https://github.com/x/y\n${SHARED_BLOCK_BEGIN}\n${SHARED_BLOCK_END}\n`;
    const r = mergeRequirements({ ...base, sharedText: "", serverText });
    expect(r.text).toBeNull();
    expect(r.problems.map((p) => `${p.file}:${p.line}`)).toEqual(["server-ops/requirements.txt:2", "server-ops/requirements.txt:3"]);
  });

  it("refuses a broken managed block", () => {
    const r = mergeRequirements({ ...base, sharedText: "", serverText: `fastmcp\n${SHARED_BLOCK_BEGIN}\nanyio\n` });
    expect(r.text).toBeNull();
    expect(r.problems[0]).toMatchObject({ file: "server-ops/requirements.txt", line: 2 });
  });
});

describe("checkSharedRequirements", () => {
  it("reports every non-PyPI line of shared/requirements.txt with file:line", () => {
    const problems = checkSharedRequirements("anyio\n--index-url https://x\nfile:../pkg\n./local\n", "shared/requirements.txt");
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(problems.every((p) => p.file === "shared/requirements.txt")).toBe(true);
  });

  it("reports one package listed twice with different specifiers", () => {
    const problems = checkSharedRequirements("anyio>=4\nAnyIO<4\n", "shared/requirements.txt");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain("shared/requirements.txt:1");
  });
});
