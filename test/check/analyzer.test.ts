import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnalyzerResponse, FileFacts } from "../../src/check/facts.js";
import { ANALYZER_DIR, runAnalyzer } from "../../src/check/python.js";
import { PYTHON } from "../helpers/python.js";
import { tempDir } from "./helpers.js";

// Unit tests of the Python analyzer (python/mcpm_check) through its JSON protocol: the facts
// every rule is built on, read with Python's own ast.

let dir: string;
const env = { ...process.env, MCPM_PYTHON: PYTHON };

async function analyze(files: Record<string, string>, extra: Partial<Parameters<typeof runAnalyzer>[0]> = {}): Promise<AnalyzerResponse> {
  const list = [];
  for (const [name, text] of Object.entries(files)) {
    const abs = path.join(dir, name);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    const parts = name.replace(/\.py$/, "").split("/");
    const isPackage = parts.at(-1) === "__init__";
    if (isPackage) parts.pop();
    list.push({ id: name, path: abs, module: parts.join("."), isPackage });
  }
  return runAnalyzer({ files: list, specs: [], pyprojects: [], runtimes: [], importNames: [], ...extra }, { env });
}

async function facts(source: string, name = "server.py"): Promise<FileFacts> {
  return (await analyze({ [name]: source })).files[name]!;
}

beforeAll(async () => {
  dir = await tempDir();
});

describe("python analyzer facts", () => {
  it("resolves import aliases before matching calls (datetime, hashlib, httpx)", async () => {
    const f = await facts(
      [
        "import datetime as dt",
        "import hashlib as h",
        "from httpx import AsyncClient as AC",
        "a = dt.datetime.utcnow()",
        "b = dt.datetime.utcfromtimestamp(0)",
        "c = h.md5(b'x')",
        "d = h.new('md5', b'x')",
        "e = h.md5(b'x', usedforsecurity=False)",
        "client = AC()",
      ].join("\n"),
    );
    expect(f.deprecated.map((d) => `${d.call}@${d.line}`)).toEqual(["datetime.datetime.utcnow@4", "datetime.datetime.utcfromtimestamp@5", "hashlib.md5@6", "hashlib.new@7"]);
    expect(f.asyncClients).toMatchObject([{ callee: "httpx.AsyncClient", line: 9 }]);
  });

  it("only import-time code creates module-level clients: function bodies and the main guard do not", async () => {
    const f = await facts(
      [
        "import httpx",
        "class Holder:",
        "    client = httpx.AsyncClient()  # class body: runs at import",
        "def make():",
        "    return httpx.AsyncClient()",
        "if __name__ == '__main__':",
        "    c = httpx.AsyncClient()",
      ].join("\n"),
    );
    expect(f.asyncClients.map((c) => `${c.scope}@${c.line}`)).toEqual(["class@3"]);
  });

  it("tells guarded environment reads from crashing ones", async () => {
    const f = await facts(
      [
        "import os",
        "from os import environ, getenv",
        "A = os.environ['A']",
        "B = environ.get('B')",
        "C = getenv('C', 'x')",
        "try:",
        "    D = os.environ['D']",
        "except KeyError:",
        "    D = None",
        "if 'E' in os.environ:",
        "    E = os.environ['E']",
        "F = os.environ['F'] if 'F' in os.environ else None",
        "os.environ['G'] = '1'  # a write, not a read",
        "name = 'H'",
        "H = os.getenv(name)  # dynamic name",
      ].join("\n"),
    );
    expect(f.envReads.map((r) => `${r.name}:${r.kind}:${r.hasDefault}:${r.guarded}`)).toEqual([
      "A:os.environ[]:false:false",
      "B:os.environ.get:false:true",
      "C:os.getenv:true:true",
      "D:os.environ[]:false:true",
      "E:os.environ[]:false:true",
      "F:os.environ[]:false:true",
      "null:os.getenv:false:true",
    ]);
  });

  it("a startup check that stops the program validates later reads (and functions defined after it)", async () => {
    const f = await facts(
      [
        "import os, sys",
        "if 'K' not in os.environ:",
        "    raise RuntimeError('K is required')",
        "K = os.environ['K']",
        "if not os.getenv('L') or os.environ.get('M') is None:",
        "    sys.exit('L and M are required')",
        "L = os.environ['L']",
        "M = os.environ['M']",
        "if 'N' not in os.environ:",
        "    print('N is missing')  # does not stop: not a validation",
        "N = os.environ['N']",
        "def f():",
        "    return os.environ['K']  # defined after the import-time check: covered",
        "def g():",
        "    return os.environ['P']",
      ].join("\n"),
    );
    expect(f.envReads.filter((r) => r.kind === "os.environ[]").map((r) => `${r.name}@${r.line}:${r.guarded}`)).toEqual(["K@4:true", "L@7:true", "M@8:true", "N@11:false", "K@13:true", "P@15:false"]);
  });

  it("records imports with their kind: relative depth, TYPE_CHECKING, optional", async () => {
    const r = await analyze({
      "pkg/__init__.py": "from . import sub\nfrom .. import up\n",
      "pkg/sub.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import boto3\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
    });
    expect(r.files["pkg/__init__.py"]!.imports.map((i) => `${i.level}/${i.packageDepth}`)).toEqual(["1/1", "2/1"]);
    const sub = r.files["pkg/sub.py"]!.imports;
    expect(sub.find((i) => i.top === "boto3")).toMatchObject({ typeChecking: true, guarded: false });
    expect(sub.find((i) => i.top === "ujson")).toMatchObject({ typeChecking: false, guarded: true });
  });

  it("sees sys.path edits in every spelling", async () => {
    const f = await facts(
      [
        "import sys, os, site",
        "from sys import path as p",
        "sys.path.insert(0, '..')",
        "p.append('src')",
        "sys.path += ['x']",
        "sys.path[0:0] = ['y']",
        "site.addsitedir('z')",
        "os.environ['PYTHONPATH'] = '..'",
      ].join("\n"),
    );
    expect(f.sysPath.map((s) => s.line)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("a function that sets a global server, called at module level, counts as a module-level binding", async () => {
    const f = await facts("from fastmcp import FastMCP\nmcp = None\ndef init():\n    global mcp\n    mcp = FastMCP('x')\ninit()\n");
    expect(f.defs).toMatchObject([{ name: "init", setsGlobals: ["mcp"] }]);
    expect(f.moduleCalls).toMatchObject([{ callee: "init", line: 6 }]);
  });

  it("reports a syntax error with its line instead of failing", async () => {
    const f = await facts("def f(:\n    pass\n");
    expect(f.parseError).toMatchObject({ line: 1 });
  });

  it("evaluates Python version declarations with PEP 440 (uv requests and requires-python)", async () => {
    await writeFile(path.join(dir, "pyproject.toml"), '[project]\nname = "x"\nversion = "1"\n\nrequires-python = ">=3.10,<3.12"\n');
    const r = await analyze(
      {},
      {
        runtimes: ["3.12.12", "3.13"],
        specs: [
          { id: "plain", raw: "3.12", kind: "request" },
          { id: "patch", raw: "3.12.4", kind: "request" },
          { id: "impl", raw: "cpython@3.13", kind: "request" },
          { id: "ft", raw: "3.13t", kind: "request" },
          { id: "range", raw: ">=3.12,<3.14", kind: "request" },
          { id: "bad", raw: "latest", kind: "request" },
        ],
        pyprojects: [{ id: "pp", path: path.join(dir, "pyproject.toml") }],
      },
    );
    expect(r.specs.plain).toEqual({ spec: "==3.12.*", admits: { "3.12.12": true, "3.13": false }, newer: { "3.12.12": false, "3.13": false } });
    expect(r.specs.patch!.admits).toEqual({ "3.12.12": false, "3.13": false });
    expect(r.specs.impl!.admits).toEqual({ "3.12.12": false, "3.13": true });
    expect(r.specs.ft!.spec).toBe("==3.13.*");
    expect(r.specs.range!.admits).toEqual({ "3.12.12": true, "3.13": true });
    expect(r.specs.bad!.error).toContain("latest");
    expect(r.pyprojects.pp).toMatchObject({ requiresPython: ">=3.10,<3.12", line: 5, admits: { "3.12.12": false, "3.13": false } });
  });

  it("names the interpreter and the standard library it knows", async () => {
    const r = await analyze({});
    expect(r.python.version).toMatch(/^3\.\d+\.\d+$/);
    expect(r.stdlib).toContain("asyncio");
    expect(r.stdlib).not.toContain("httpx");
  });

  it("never writes bytecode into the installed package (runs with -B)", async () => {
    await analyze({ "x.py": "import os\n" });
    expect(existsSync(path.join(ANALYZER_DIR, "__pycache__"))).toBe(false);
  });
});

describe("FastMCP 3 API calls (fastmcp-v4-api)", () => {
  it("finds them on FastMCP servers however the server is reached, and not on other libraries' objects", async () => {
    const f = await facts(
      [
        "import fastmcp as fm",
        "import requests",
        "from fastmcp.server.server import FastMCP as Server",
        "from mcp.server.fastmcp import FastMCP as SdkFastMCP",
        "",
        "sdk = SdkFastMCP('sdk')",
        "sdk.mount(prefix='x')",
        "requests.Session().mount(prefix='https://', adapter=None)",
        "proxy = fm.FastMCP.as_proxy('http://example.com/mcp')",
        "",
        "class App:",
        "    def __init__(self) -> None:",
        "        self.server = Server('app')",
        "        self.server.mount(proxy, prefix='remote')",
        "",
        "def register(parent: 'fm.FastMCP', child) -> None:",
        "    parent.mount(child, prefix='child', as_proxy=False)",
        "",
        "async def copy(parent, child) -> None:",
        "    await parent.import_server(child)",
      ].join("\n") + "\n",
    );
    expect(f.fastmcpRemoved!.map((r) => `${r.kind}@${r.line}:${r.scope}`)).toEqual(["as_proxy@9:module", "mount@14:function", "mount@17:function", "import_server@20:function"]);
    expect(f.fastmcpRemoved![2]).toMatchObject({ receiver: "parent", server: "child", keywords: ["prefix", "as_proxy"], prefix: "'child'", asProxy: "False" });
    expect(f.fastmcpRemoved![3]).toMatchObject({ receiver: "parent", server: "child", prefix: null, awaited: true });
  });
});

describe("database facts (python/mcpm_check/mcpm_db.py)", () => {
  it("reads engine URLs (literal scheme, f-string head, a variable with its default) and connections at import", async () => {
    const f = await facts(
      [
        "import os",
        "import sqlalchemy as sa",
        "from app.db import engine as shared_engine, Base",
        'URL = os.getenv("DATABASE_URL", "postgresql+psycopg2://u@h/d")',
        "engine = sa.create_engine(URL)",
        'lite = sa.create_engine(f"sqlite:///{os.getcwd()}/x.db")',
        "Base.metadata.create_all(bind=engine)",
        "Base.metadata.create_all(shared_engine)",
        "try:",
        "    engine.connect()",
        "except Exception:",
        "    pass",
        "",
      ].join("\n"),
    );
    const db = f.db!;
    expect(db.events.map((e) => `${e.kind}@${e.line}${e.caught ? ":caught" : ""}`)).toEqual(["engine@5", "engine@6", "connect@7", "connect@8", "connect@10:caught"]);
    expect(db.events[0]!.url).toEqual({ kind: "env", env: "DATABASE_URL", default: { kind: "literal", scheme: "postgresql+psycopg2" } });
    expect(db.events[1]!.url).toEqual({ kind: "literal", scheme: "sqlite" });
    expect(db.events[2]!.url).toEqual(db.events[0]!.url);
    expect(db.events[3]!.url).toEqual({ kind: "ref", ref: "app.db.engine" });
    expect(Object.keys(db.engines!)).toEqual(["engine", "lite"]);
  });

  it("summarises constructors and methods: parameters, defaults, self-calls, the constructor's parameters seen through self", async () => {
    const f = await facts(
      [
        "import os",
        "from sqlalchemy import create_engine",
        "from .models import Base",
        "",
        "class Store:",
        '    def __init__(self, url=None, *, echo=False):',
        '        self.url = url or os.getenv("STORE_URL")',
        "        self.engine = create_engine(self.url, echo=echo)",
        "        self._setup()",
        "",
        "    def _setup(self):",
        "        Base.metadata.create_all(self.engine)",
        "",
        "    async def close(self):",
        "        await self.engine.dispose()",
        "",
        "store = Store()",
        "",
      ].join("\n"),
      "pkg/store.py",
    );
    const db = f.db!;
    expect(db.importCalls.map((c) => `${c.callee}@${c.line}`)).toEqual(["Store@17"]);
    const init = db.callables["Store.__init__"]!;
    expect(init.params).toEqual(["url", "echo"]);
    expect(init.defaults).toEqual({ url: { kind: "none" }, echo: { kind: "unknown", text: "False" } });
    expect(init.events[0]!.url).toEqual({ kind: "param", name: "url", index: 0, fallback: { kind: "env", env: "STORE_URL", default: null } });
    expect(init.calls.map((c) => c.self)).toContain("Store._setup");
    const setup = db.callables["Store._setup"]!;
    expect(setup.events[0]!.kind).toBe("connect");
    expect(setup.events[0]!.url).toMatchObject({ kind: "param", name: "url", init: true });
    expect(db.callables["Store.close"]).toBeUndefined(); // async, and calls nothing to follow (self.engine.dispose is not)
  });
});
