import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/check/types.js";
import { admits, defaultDriver } from "../../src/check/rules/database.js";
import { checkJson, FIXTURES, tempDir, type CheckJson } from "./helpers.js";

// Database work at import (src/check/rules/database.ts, python/mcpm_check/mcpm_db.py), from the two
// misses of the second held-out set: a `postgresql://` URL whose default driver (psycopg 3 since
// SQLAlchemy 2.1) is not installed, and `create_all()` reached through a class built at module level.
// The fixtures under real-code/{fail,pass} were loaded with `fastmcp inspect` (CPython 3.12, FastMCP 4):
// pg-default-driver fails with "No module named 'psycopg'", db-via-constructor with psycopg2's
// OperationalError from create_all(), db-sqlite-and-drivers loads.

let fail: CheckJson;
let pass: CheckJson;
let edge: CheckJson;
const compact = (json: CheckJson, server: string) =>
  json.findings.filter((f: Finding) => f.server === server && f.rule !== "env-undocumented").map((f) => `${f.rule}:${f.severity}@${f.file.split("/").slice(1).join("/")}:${f.line ?? "-"}`);

/** Writes one server folder per entry: name → files. */
async function servers(dir: string, all: Record<string, Record<string, string>>): Promise<void> {
  for (const [name, files] of Object.entries(all)) {
    for (const [rel, text] of Object.entries(files)) {
      const abs = path.join(dir, name, rel);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, text);
    }
  }
}

const SERVER_TAIL = '\nmcp = FastMCP("x")\n\n\n@mcp.tool\ndef ping() -> str:\n    return "pong"\n';

beforeAll(async () => {
  ({ json: fail } = await checkJson(path.join(FIXTURES, "real-code", "fail"), ["--offline"]));
  ({ json: pass } = await checkJson(path.join(FIXTURES, "real-code", "pass"), ["--offline"]));
  const dir = await tempDir();
  const req = (extra: string) => `fastmcp>=4.0,<5\n${extra}\n`;
  await servers(dir, {
    "mysql-default": {
      "requirements.txt": req("SQLAlchemy>=2.0\nPyMySQL>=1.1"),
      "server.py": `from fastmcp import FastMCP\nfrom sqlalchemy import create_engine\n\nengine = create_engine("mysql://app:pw@db/app")\n${SERVER_TAIL}`,
    },
    "pg-either-version": {
      "requirements.txt": req("SQLAlchemy>=2.0\npsycopg2-binary"),
      "server.py": `from fastmcp import FastMCP\nfrom sqlalchemy import create_engine\n\nengine = create_engine("postgresql://app@db/app")\n${SERVER_TAIL}`,
    },
    "postgres-scheme": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "server.py": `from fastmcp import FastMCP\nimport sqlalchemy\n\nengine = sqlalchemy.create_engine("postgres://app@db/app")\n${SERVER_TAIL}`,
    },
    "url-unset": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "server.py": `import os\n\nfrom fastmcp import FastMCP\nfrom sqlalchemy import create_engine\n\nengine = create_engine(os.getenv("DATABASE_URL"))\n${SERVER_TAIL}`,
    },
    "sqlite-everywhere": {
      "requirements.txt": req("SQLAlchemy>=2.1"),
      "db.py": `import os\nfrom sqlalchemy import MetaData, create_engine\n\nmetadata = MetaData()\n\n\ndef init_db(url="sqlite:///./app.db"):\n    engine = create_engine(url)\n    metadata.create_all(bind=engine)\n    return engine\n`,
      "server.py": `import os\n\nfrom fastmcp import FastMCP\nfrom sqlalchemy import create_engine, inspect\n\nfrom db import init_db\n\nengine = init_db()\nmemory = create_engine("sqlite://")\ninspect(memory)\nother = create_engine(os.getenv("DB_URL", "sqlite:///other.db"))\nother.connect()\n${SERVER_TAIL}`,
    },
    "unreadable-url": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "settings.py": `class Settings:\n    database_url: str = "postgresql://localhost/app"\n\n\nsettings = Settings()\n`,
      "server.py": `from fastmcp import FastMCP\nfrom sqlalchemy import create_engine\n\nfrom settings import settings\n\nengine = create_engine(settings.database_url)\nengine.connect()\n${SERVER_TAIL}`,
    },
    "guarded-and-conditional": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "repo.py": `import os\nfrom sqlalchemy import MetaData, create_engine\n\nmetadata = MetaData()\n\n\nclass Repo:\n    def __init__(self):\n        self.engine = create_engine("postgresql://app@db/app")\n        try:\n            metadata.create_all(self.engine)\n        except Exception:\n            pass\n\n\nclass Maybe:\n    def __init__(self):\n        self.engine = create_engine("postgresql://app@db/app")\n        if os.getenv("CREATE_TABLES"):\n            metadata.create_all(self.engine)\n`,
      "server.py": `from fastmcp import FastMCP\n\nfrom repo import Maybe, Repo\n\nrepo = Repo()\nmaybe = Maybe()\n${SERVER_TAIL}`,
    },
    "engine-imported": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "app/__init__.py": "",
      "app/db.py": `from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base\n\nengine = create_engine("postgresql://app:pw@localhost:5432/app")\nBase = declarative_base()\n`,
      "server.py": `from fastmcp import FastMCP\n\nfrom app.db import Base, engine\n\nBase.metadata.create_all(bind=engine)\n${SERVER_TAIL}`,
    },
    "ctor-calls-function": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "database.py": `import os\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base\n\nHOST = os.getenv("PGHOST", "127.0.0.1")\nURL = f"postgresql+psycopg2://app@{HOST}/app"\nengine = create_engine(URL)\nBase = declarative_base()\n\n\ndef start_db():\n    Base.metadata.create_all(engine)\n`,
      "services/__init__.py": "",
      "services/stories.py": `from database import start_db\n\n\nclass StoryService:\n    def __init__(self):\n        start_db()\n`,
      "server.py": `from fastmcp import FastMCP\n\nfrom services.stories import StoryService\n\nstories = StoryService()\n${SERVER_TAIL}`,
    },
    "url-argument": {
      "requirements.txt": req("SQLAlchemy>=2.0,<2.1\npsycopg2-binary"),
      "store.py": `from sqlalchemy import MetaData, create_engine\n\nmetadata = MetaData()\n\n\nclass Store:\n    def __init__(self, url):\n        self.engine = create_engine(url)\n        metadata.create_all(self.engine)\n`,
      "server.py": `import os\n\nfrom fastmcp import FastMCP\n\nfrom store import Store\n\nlocal = Store("sqlite:///store.db")\nremote = Store(os.getenv("STORE_URL", "postgresql://store@db/store"))\n${SERVER_TAIL}`,
    },
  });
  ({ json: edge } = await checkJson(dir, ["--offline"]));
}, 300_000);

describe("a SQLAlchemy URL's driver (undeclared-dependency)", () => {
  it("postgresql:// takes psycopg (3) on SQLAlchemy 2.1: an error when only psycopg2 is installed, with the URL and package fixes", () => {
    expect(compact(fail, "pg-default-driver")).toEqual(["undeclared-dependency:error@server.py:7"]);
    const f = fail.findings.find((x) => x.server === "pg-default-driver" && x.rule === "undeclared-dependency")!;
    expect(f.message).toContain("No module named 'psycopg'");
    expect(f.message).toContain("SQLAlchemy 2.1");
    expect(f.fix).toContain("postgresql+psycopg2://");
    expect(f.fix).toContain("psycopg[binary]");
  });

  it("offline, with a requirement that admits SQLAlchemy 2.0 and 2.1 and only psycopg2 installed: a warning naming the versions", () => {
    expect(compact(edge, "pg-either-version")).toEqual(["undeclared-dependency:warning@server.py:4"]);
    expect(edge.findings.find((x) => x.server === "pg-either-version")!.message).toContain("SQLAlchemy 2.1's default PostgreSQL driver, psycopg");
  });

  it("mysql:// takes mysqlclient (MySQLdb): PyMySQL alone does not load it", () => {
    expect(compact(edge, "mysql-default")).toEqual(["undeclared-dependency:error@server.py:4"]);
    expect(edge.findings.find((x) => x.server === "mysql-default")!.message).toContain("No module named 'MySQLdb'");
  });

  it("postgres:// has no dialect since SQLAlchemy 1.4 (NoSuchModuleError)", () => {
    expect(compact(edge, "postgres-scheme")).toEqual(["import-crash:error@server.py:4"]);
  });

  it("a URL read without a default makes create_engine(None) raise when the variable is unset", () => {
    expect(compact(edge, "url-unset")).toContain("env-required:error@server.py:6");
    expect(edge.findings.find((x) => x.server === "url-unset" && x.line === 6)!.message).toContain("DATABASE_URL");
  });

  it("the default driver follows the SQLAlchemy version (read from URL.get_dialect() of 1.4, 2.0 and 2.1)", () => {
    expect(defaultDriver("postgresql", [2, 0])).toBe("psycopg2");
    expect(defaultDriver("postgresql", [2, 1])).toBe("psycopg");
    expect(defaultDriver("oracle", [2, 0])).toBe("cx_oracle");
    expect(defaultDriver("oracle", [2, 1])).toBe("oracledb");
    expect(defaultDriver("mysql", [2, 1])).toBe("mysqldb");
    expect(defaultDriver("sqlite", [2, 1])).toBeNull();
    expect(admits(">=2.0,<2.1", "2.0.99")).toBe(true);
    expect(admits(">=2.0,<2.1", "2.1.99")).toBe(false);
    expect(admits("~=2.0", "2.1.99")).toBe(true);
    expect(admits("~=2.0.30", "2.1.99")).toBe(false);
    expect(admits("==2.0.*", "2.0.99")).toBe(true);
  });
});

describe("a database connection at import through the server's own code (import-crash)", () => {
  it("a module-level instance whose __init__ (another module) calls a method that runs create_all() is an error at the instantiation", () => {
    expect(compact(fail, "db-via-constructor")).toEqual(["import-crash:error@server.py:5"]);
    const f = fail.findings.find((x) => x.server === "db-via-constructor" && x.rule === "import-crash")!;
    expect(f.message).toContain("NoteStore.__init__");
    expect(f.message).toContain("NoteStore._prepare");
    expect(f.message).toContain("create_all()");
    expect(f.message).toContain("NOTES_DB_URL");
  });

  it("create_all(bind=engine) with the engine imported from another module is an error", () => {
    expect(compact(edge, "engine-imported")).toEqual(["import-crash:error@server.py:5"]);
  });

  it("a constructor that calls a function of another module which runs create_all() on that module's engine is an error", () => {
    expect(compact(edge, "ctor-calls-function")).toEqual(["import-crash:error@server.py:5"]);
    expect(edge.findings.find((x) => x.server === "ctor-calls-function" && x.rule === "import-crash")!.message).toContain("StoryService.__init__ (ctor-calls-function/services/stories.py:5) → start_db");
  });

  it("a URL passed as an argument is followed into the constructor: sqlite is fine, a postgresql default is not", () => {
    expect(compact(edge, "url-argument")).toEqual(["import-crash:error@server.py:8"]);
  });

  it("SQLite (file, in memory, an environment default, a function's default argument) is never reported", () => {
    expect(compact(edge, "sqlite-everywhere")).toEqual([]);
    expect(compact(pass, "db-sqlite-and-drivers").filter((f) => f.includes(":error@"))).toEqual([]);
    expect(compact(pass, "db-sqlite-and-drivers").filter((f) => f.startsWith("import-crash") || f.startsWith("undeclared"))).toEqual([]);
  });

  it("a URL static analysis cannot read is a warning that names verify", () => {
    expect(compact(edge, "unreadable-url")).toEqual(["import-crash:warning@server.py:7"]);
    expect(edge.findings.find((x) => x.server === "unreadable-url")!.fix).toContain("verify");
  });

  it("inside try: nothing; under a condition: a warning", () => {
    expect(compact(edge, "guarded-and-conditional")).toEqual(["import-crash:warning@server.py:6"]);
  });

  it("no server of the pass set has an error", () => {
    expect(pass.summary.errors).toBe(0);
  });
});
