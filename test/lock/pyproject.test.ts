import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PYTHON } from "../helpers/python.js";
import { mergePyprojectBlock, readPyproject, renderServerPyproject } from "../../src/monorepo/pyproject.js";
import { staticExportMismatch, staticLockMismatch } from "../../src/lock/static.js";

// The pyproject.toml of a generated server and its managed block (no uv, no network).

const text = renderServerPyproject({ folder: "server-ops", description: "Ops\ntools", python: "3.12", sharedRequirements: "# c\nhttpx>=0.27,<1\npython-dotenv>=1.0  # x\n", own: ["starlette>=1.0"] });

describe("pyproject.toml of a server", () => {
  it("is valid TOML: FastMCP and the server's own requirements, then the shared block, a dev group and package = false", () => {
    const p = readPyproject(text);
    expect(p).toEqual({ name: "server-ops", requiresPython: ">=3.12", dependencies: ["fastmcp>=4.0,<5", "starlette>=1.0", "httpx>=0.27,<1", "python-dotenv>=1.0"], groups: { dev: ["pytest>=8"] }, optionalDependencies: {} });
    expect(text).toContain("[tool.uv]\n# A virtual project: uv installs the dependencies and never builds this folder as a package.\npackage = false\n");
  });

  it("a hostile description (lone surrogate, DEL, quotes, backslash, control characters) stays valid TOML for Python's tomllib too", () => {
    const description = 'a\ud800b\u007f "q" \\ \u0001 é 😀 \udc00';
    const t = renderServerPyproject({ folder: "s", description, python: "3.12", sharedRequirements: "", own: [] });
    expect(readPyproject(t).name).toBe("s");
    const read = execFileSync(PYTHON, ["-c", "import sys, tomllib, json; print(json.dumps(tomllib.loads(sys.stdin.read())['project']['description']))"], { input: t, encoding: "utf8" });
    expect(JSON.parse(read)).toBe('a\ufffdb\u007f "q" \\ \u0001 é 😀 \ufffd');
  });

  it("sync replaces only the block and keeps what uv add appended after it (and CRLF)", () => {
    const added = text.replace('    # <<< shared requirements <<<\n]', '    # <<< shared requirements <<<\n    "tomli-w>=1.2.0",\n]');
    const merged = mergePyprojectBlock(added, 'httpx>=0.28\nmarkers; python_version < "3.13"\n');
    expect(readPyproject(merged.text!).dependencies).toEqual(["fastmcp>=4.0,<5", "starlette>=1.0", "httpx>=0.28", 'markers; python_version < "3.13"', "tomli-w>=1.2.0"]);
    const crlf = mergePyprojectBlock(added.replace(/\n/g, "\r\n"), "httpx>=0.28\n").text!;
    expect(crlf.split("\r\n").length).toBe(crlf.split("\n").length);
  });

  it("a missing or broken block is a problem with its line, not a rewrite", () => {
    expect(mergePyprojectBlock("[project]\ndependencies = []\n", "x\n")).toMatchObject({ text: null, line: 1 });
    const twice = text.replace("# <<< shared requirements <<<", "# >>> shared requirements: managed by `mcp-monorepo sync`, edit shared/requirements.txt instead >>>");
    expect(mergePyprojectBlock(twice, "x\n").text).toBeNull();
  });
});

describe("static reading of uv.lock (check without uv)", () => {
  const lock = [
    "version = 1",
    'requires-python = ">=3.12"',
    "[[package]]",
    'name = "server-ops"',
    'version = "0.1.0"',
    'source = { virtual = "." }',
    "[package.metadata]",
    'requires-dist = [{ name = "fastmcp", specifier = ">=4.0,<5" }, { name = "starlette", specifier = ">=1.0" }, { name = "httpx", specifier = ">=0.27,<1" }, { name = "python-dotenv", specifier = ">=1.0" }]',
    "[package.metadata.requires-dev]",
    'dev = [{ name = "pytest", specifier = ">=8" }]',
    "[[package]]",
    'name = "httpx"',
    'version = "0.28.1"',
    "",
  ].join("\n");
  const py = renderServerPyproject({ folder: "server-ops", description: "Ops", python: "3.12", sharedRequirements: "httpx>=0.27,<1\npython-dotenv>=1.0\n", own: ["starlette>=1.0"] });

  it("agrees with the pyproject.toml it was made from, and names what changed", () => {
    expect(staticLockMismatch(py, lock)).toBeNull();
    expect(staticLockMismatch(py.replace('"starlette>=1.0",', '"starlette>=1.0",\n    "rich",'), lock)).toBe("pyproject.toml lists rich, which uv.lock does not");
    expect(staticLockMismatch(py.replace('"starlette>=1.0",', '"starlette>=1.1",'), lock)).toBe("pyproject.toml asks for starlette >=1.1, uv.lock was made for starlette >=1.0");
    expect(staticLockMismatch(py.replace('">=3.12"', '">=3.11"'), lock)).toBe('requires-python is ">=3.11" in pyproject.toml, ">=3.12" in uv.lock');
  });

  it("counts [project.optional-dependencies], which uv records in requires-dist under an extra marker", () => {
    // As uv 0.13 writes it for `dependencies = ["idna>=3"]` and `dev = ["six>=1.16"]` under [project.optional-dependencies].
    const withExtra = [
      "version = 1",
      'requires-python = ">=3.12"',
      "[[package]]",
      'name = "x"',
      'version = "0.1.0"',
      'source = { virtual = "." }',
      "[package.optional-dependencies]",
      'dev = [{ name = "six" }]',
      "[package.metadata]",
      'requires-dist = [{ name = "idna", specifier = ">=3" }, { name = "six", marker = "extra == \'dev\'", specifier = ">=1.16" }]',
      'provides-extras = ["dev"]',
      "",
    ].join("\n");
    const pyproject = '[project]\nname = "x"\nversion = "0.1.0"\nrequires-python = ">=3.12"\ndependencies = ["idna>=3"]\n\n[project.optional-dependencies]\ndev = ["six>=1.16"]\n';
    expect(staticLockMismatch(pyproject, withExtra)).toBeNull();
    expect(staticLockMismatch(pyproject.replace('dev = ["six>=1.16"]', "dev = []"), withExtra)).toBe("uv.lock still has six, which pyproject.toml no longer lists");
  });

  it("compares the pins of requirements.txt with the lock's versions", () => {
    expect(staticExportMismatch("httpx==0.28.1\n    # via x\n", lock)).toBe("requirements.txt does not pin fastmcp, a dependency in uv.lock");
    expect(staticExportMismatch("httpx==0.27.0\n", lock)).toBe("requirements.txt pins httpx==0.27.0, uv.lock has 0.28.1");
  });
});
