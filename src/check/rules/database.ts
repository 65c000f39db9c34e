import { byReleaseNumber } from "../../kernel/versions.js";
import { requirementName } from "../../monorepo/requirements.js";
import { parsedSources, type ServerData } from "../collect.js";
import type { DbCall, DbCallable, DbEvent, DbUrl, FileFacts } from "../facts.js";
import { finding, type Rule, type RuleContext } from "../rule.js";
import type { Finding, Severity } from "../types.js";
import { canonicalName } from "./config-order.js";

/**
 * Database work at import (facts: `python/mcpm_check/mcpm_db.py`), directly at module level or
 * inside a function or constructor of the server's own code that runs at import
 * (`service = PostgresService()` → `PostgresService.__init__` → `create_all(engine)`), followed
 * up to {@link MAX_DEPTH} calls deep across the server's modules:
 *
 * - `undeclared-dependency` (error): `create_engine(url)` imports the URL's driver at once, and the
 *   driver is not installed. Without `+driver` the dialect's default applies, which depends on the
 *   SQLAlchemy version: PostgreSQL psycopg2 before 2.1, psycopg (3) from 2.1; Oracle cx_Oracle before
 *   2.1, python-oracledb from 2.1; MySQL/MariaDB mysqlclient (`MySQLdb`); SQL Server pyodbc
 *   (read from `URL.get_dialect()` of SQLAlchemy 1.4.54, 2.0.59 and 2.1.9; "What's New in SQLAlchemy
 *   2.1": "Default PostgreSQL driver changed to psycopg"). The version is the resolved one
 *   (`--offline`: what the requirement line admits; a driver missing for only some of them is a warning).
 * - `import-crash` (error): `postgres://` (no such dialect since SQLAlchemy 1.4: NoSuchModuleError), and
 *   a connection opened at import (`engine.connect()`, `.begin()`, `metadata.create_all(engine)`,
 *   `.reflect()`, `inspect(engine)`, a driver's `connect()` reached through a call): the load fails
 *   wherever the database is unreachable. SQLite URLs never are.
 * - `env-required` (error): the URL is a variable read without a default: `create_engine(None)`
 *   raises ArgumentError when it is unset.
 * A URL static analysis cannot read (`settings.DATABASE_URL`), or database work under a condition,
 * is a warning that `verify` decides. Work inside `try:` is not reported.
 */

const MAX_DEPTH = 3;

/** A parsed file of the server (what `parsedSources` yields). */
type SourceFile = { rel: string; module: string };

/** Driver (`+name` in a URL) → the module it imports and the distributions that provide it. */
const DRIVERS: Record<string, { module: string; dists: string[]; add: string }> = {
  psycopg2: { module: "psycopg2", dists: ["psycopg2", "psycopg2-binary"], add: "psycopg2-binary" },
  psycopg: { module: "psycopg", dists: ["psycopg"], add: "psycopg[binary]" },
  pg8000: { module: "pg8000", dists: ["pg8000"], add: "pg8000" },
  mysqldb: { module: "MySQLdb", dists: ["mysqlclient"], add: "mysqlclient" },
  pymysql: { module: "pymysql", dists: ["pymysql"], add: "PyMySQL" },
  mysqlconnector: { module: "mysql.connector", dists: ["mysql-connector-python"], add: "mysql-connector-python" },
  pyodbc: { module: "pyodbc", dists: ["pyodbc"], add: "pyodbc" },
  pymssql: { module: "pymssql", dists: ["pymssql"], add: "pymssql" },
  cx_oracle: { module: "cx_Oracle", dists: ["cx-oracle"], add: "cx_Oracle" },
  oracledb: { module: "oracledb", dists: ["oracledb"], add: "oracledb" },
};

const DIALECT_NAMES: Record<string, string> = { postgresql: "PostgreSQL", mysql: "MySQL", mariadb: "MariaDB", mssql: "SQL Server", oracle: "Oracle" };

/** The driver a URL without `+driver` gets, by SQLAlchemy version (`[major, minor]`). */
export function defaultDriver(dialect: string, version: [number, number]): string | null {
  const from21 = version[0] > 2 || (version[0] === 2 && version[1] >= 1);
  if (dialect === "postgresql") return from21 ? "psycopg" : "psycopg2";
  if (dialect === "oracle") return from21 ? "oracledb" : "cx_oracle";
  if (dialect === "mysql" || dialect === "mariadb") return "mysqldb";
  if (dialect === "mssql") return "pyodbc";
  return null;
}


/** Whether a requirement's version clauses (`>=2.0,<2.1`, `==2.0.*`, `~=2.0`) admit `v` (simplified PEP 440, no pre-releases). */
export function admits(spec: string, v: string): boolean {
  for (const clause of spec.split(",").map((c) => c.trim()).filter(Boolean)) {
    const m = /^(===|==|!=|~=|>=|<=|>|<)\s*([0-9][0-9.]*)(\.\*)?$/.exec(clause);
    if (!m) continue;
    const [, op, ver, star] = m;
    const c = byReleaseNumber(v, ver!);
    const prefix = v.split(".").slice(0, ver!.split(".").length).join(".");
    if ((op === "==" || op === "===") && !(star ? prefix === ver : c === 0)) return false;
    if (op === "!=" && (star ? prefix === ver : c === 0)) return false;
    if (op === ">=" && c < 0) return false;
    if (op === ">" && c <= 0) return false;
    if (op === "<=" && c > 0) return false;
    if (op === "<" && c >= 0) return false;
    if (op === "~=") {
      const parts = ver!.split(".");
      const upper = [...parts.slice(0, -2), String(parseInt(parts[parts.length - 2] ?? "0", 10) + 1)].join(".");
      if (c < 0 || byReleaseNumber(v, upper) >= 0) return false;
    }
  }
  return true;
}

/** The SQLAlchemy versions the server may get: the resolved one, else those of 1.4/2.0/2.1 its requirement admits. */
function sqlalchemyVersions(server: ServerData, ctx: RuleContext): string[] {
  const res = ctx.packages?.get(server.folder)?.resolution;
  if (res?.ok) {
    const d = res.dists.find((x) => x.name === "sqlalchemy");
    return d ? [d.version] : [];
  }
  const line = (server.requirements?.text ?? "").split(/\r?\n/).find((l) => requirementName(l) === "sqlalchemy");
  const spec = line ? line.replace(/(^|\s)#.*$/, "").replace(/^[A-Za-z0-9._-]+(\[[^\]]*\])?/, "").split(";")[0]!.trim() : "";
  const all = ["1.4.99", "2.0.99", "2.1.99"];
  const ok = all.filter((v) => admits(spec, v));
  return ok.length ? ok : all;
}

/** Distributions the server gets: the resolved set, else the names its requirements declare. */
function installedDists(server: ServerData, ctx: RuleContext): Set<string> {
  const res = ctx.packages?.get(server.folder)?.resolution;
  if (res?.ok) return new Set(res.dists.map((d) => d.name));
  const out = new Set<string>();
  for (const l of (server.requirements?.text ?? "").split(/\r?\n/)) {
    const n = requirementName(l);
    if (n) out.add(n);
  }
  return out;
}

type Verdict = { kind: "sqlite" } | { kind: "network"; scheme: string; env?: string } | { kind: "unset"; env: string } | { kind: "unknown"; text: string };
type Bindings = { args: DbUrl[]; kwargs: Record<string, DbUrl>; init?: Bindings; initDefaults?: Record<string, DbUrl> } | null;

/** What a URL is when the server loads with no variables set (an engine imported from another module: `ref`, resolved before). */
function judge(url: DbUrl | null | undefined, callable: DbCallable | null, bind: Bindings): Verdict {
  if (!url) return { kind: "unknown", text: "" };
  if (url.kind === "ref") return { kind: "unknown", text: url.ref.split(".").pop()! };
  switch (url.kind) {
    case "literal":
      if (!url.scheme) return { kind: "unknown", text: "" };
      return url.scheme.startsWith("sqlite") ? { kind: "sqlite" } : { kind: "network", scheme: url.scheme };
    case "driver":
      return { kind: "network", scheme: url.driver };
    case "env": {
      if (!url.default || url.default.kind === "none") return { kind: "unset", env: url.env };
      const d = judge(url.default, callable, bind);
      return d.kind === "network" ? { ...d, env: url.env } : d;
    }
    case "param": {
      if (url.init) return judge({ ...url, init: false }, null, bind?.init ? { ...bind.init, args: bind.init.args, kwargs: { ...bind.initDefaults, ...bind.init.kwargs } } : null);
      const given = bind ? (bind.kwargs[url.name] ?? bind.args[url.index]) : undefined;
      const value = given ?? callable?.defaults[url.name];
      if ((!value || value.kind === "none") && url.fallback) return judge(url.fallback, callable, bind);
      if (!value) return { kind: "unknown", text: url.name };
      return judge(value, null, null);
    }
    case "none":
      return { kind: "unknown", text: "None" };
    default:
      return { kind: "unknown", text: "text" in url ? url.text : "" };
  }
}

/** A URL with the caller's arguments put in for the callee's parameters (so it can travel one call further). */
function substitute(url: DbUrl, callable: DbCallable | null, bind: Bindings): DbUrl {
  if (url.kind === "param") {
    if (url.init) return substitute({ ...url, init: false }, null, bind?.init ? { ...bind.init, kwargs: { ...bind.initDefaults, ...bind.init.kwargs } } : null);
    const given = bind ? (bind.kwargs[url.name] ?? bind.args[url.index]) : undefined;
    const value = given ?? callable?.defaults[url.name];
    if ((!value || value.kind === "none") && url.fallback) return substitute(url.fallback, callable, bind);
    return value ?? { kind: "unknown", text: url.name };
  }
  if (url.kind === "env" && url.default) return { ...url, default: substitute(url.default, callable, bind) };
  return url;
}

interface Located {
  event: DbEvent;
  verdict: Verdict;
  /** Where the event is (file, line) and the chain of calls from the import-time call site. */
  rel: string;
  via: string[];
  conditional: boolean;
}

/** Resolves a call made in module `from` to a function or constructor of the server's own code. */
function resolveCall(call: DbCall, from: string, modules: Map<string, { facts: FileFacts; src: SourceFile }>): { module: string; key: string; callable: DbCallable; src: SourceFile } | null {
  const lookup = (module: string, key: string) => {
    const m = modules.get(module);
    const c = m?.facts.db?.callables;
    if (!m || !c) return null;
    const hit = c[key] ? key : c[`${key}.__init__`] ? `${key}.__init__` : null;
    return hit ? { module, key: hit, callable: c[hit]!, src: m.src } : null;
  };
  if (call.self) return lookup(from, call.self);
  if (!call.callee) return null;
  const local = lookup(from, call.callee);
  if (local) return local;
  const facts = new Map([...modules].map(([k, v]) => [k, v.facts]));
  const q = canonicalName(call.callee, facts);
  const parts = q.split(".");
  for (let n = parts.length - 1; n >= 1; n--) {
    const mod = parts.slice(0, n).join(".");
    const key = parts.slice(n).join(".");
    // `backend.services.db` imported while the source root is `backend/`: match by suffix too.
    const name = modules.has(mod) ? mod : [...modules.keys()].find((m) => mod.endsWith(`.${m}`));
    if (name) {
      const hit = lookup(name, key);
      if (hit) return hit;
    }
  }
  return null;
}

/** Bindings of a call; a constructor's are also kept as `init` for the methods it calls on self. */
function withInit(key: string, callable: DbCallable, b: { args: DbUrl[]; kwargs: Record<string, DbUrl> }): Bindings {
  return key.endsWith(".__init__") ? { ...b, init: { ...b }, initDefaults: nameArgs(callable, b) } : b;
}

/** A constructor's parameters by name: what the call passed, else the default. */
function nameArgs(callable: DbCallable, b: { args: DbUrl[]; kwargs: Record<string, DbUrl> }): Record<string, DbUrl> {
  const out: Record<string, DbUrl> = { ...callable.defaults };
  callable.params.forEach((p, i) => {
    const v = b.kwargs[p] ?? b.args[i];
    if (v) out[p] = v;
  });
  return out;
}

/** The rule (see the module comment). */
export const databaseRule: Rule = (server, ctx) => {
  const files = [...parsedSources(server)];
  const modules = new Map(files.map((src) => [src.module, { facts: src.facts, src }]));
  const located: Located[] = [];
  const facts = new Map(files.map((src) => [src.module, src.facts]));
  /** An engine imported from another module of the server (`from app.db import engine`) → the URL it was created with. */
  const deref = (url: DbUrl): DbUrl => {
    if (url.kind !== "ref") return url;
    const parts = canonicalName(url.ref, facts).split(".");
    const name = parts.pop()!;
    const mod = parts.join(".");
    const m = facts.has(mod) ? mod : [...facts.keys()].find((k) => mod.endsWith(`.${k}`));
    return (m && facts.get(m)?.db?.engines?.[name]) || url;
  };

  const explore = (module: string, key: string, callable: DbCallable, src: SourceFile, bind: Bindings, via: string[], conditional: boolean, depth: number, seen: Set<string>) => {
    if (callable.async || seen.has(`${module}:${key}`)) return;
    seen.add(`${module}:${key}`);
    for (const e of callable.events) {
      if (e.caught) continue;
      located.push({ event: e, verdict: judge(deref(e.url), callable, bind), rel: src.rel, via, conditional: conditional || e.conditional });
    }
    if (depth >= MAX_DEPTH) return;
    for (const c of callable.calls) {
      if (c.caught) continue;
      const target = resolveCall(c, module, modules);
      if (!target) continue;
      const args = c.args.map((a) => substitute(a, callable, bind));
      const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, substitute(v, callable, bind)]));
      // A method called on self still sees the constructor's arguments (`self.url` set from them).
      const next: Bindings = c.self ? { args, kwargs, init: bind?.init, initDefaults: bind?.initDefaults } : withInit(target.key, target.callable, { args, kwargs });
      explore(target.module, target.key, target.callable, target.src, next, [...via, `${target.key} (${target.src.rel}:${target.callable.line})`],
        conditional || c.conditional, depth + 1, seen);
    }
  };

  const sites: { src: SourceFile; line: number; call: string; found: Located[] }[] = [];
  for (const src of files) {
    const db = src.facts.db;
    if (!db) continue;
    for (const e of db.events) {
      if (e.caught || (e.kind === "connect" && e.url.kind === "driver")) continue; // a driver's connect() at module level: importConnects
      located.push({ event: e, verdict: judge(deref(e.url), null, null), rel: src.rel, via: [], conditional: e.conditional });
    }
    for (const c of db.importCalls) {
      if (c.caught) continue;
      const target = resolveCall(c, src.module, modules);
      if (!target) continue;
      const before = located.length;
      explore(target.module, target.key, target.callable, target.src, withInit(target.key, target.callable, { args: c.args, kwargs: c.kwargs }),
        [`${target.key} (${target.src.rel}:${target.callable.line})`], c.conditional, 1, new Set());
      if (located.length > before) sites.push({ src, line: c.line, call: c.callee ?? c.self ?? "", found: located.splice(before) });
    }
  }

  const out: Finding[] = [];
  const saVersions = sqlalchemyVersions(server, ctx);
  const dists = installedDists(server, ctx);
  const file = server.requirements?.rel ?? "requirements.txt";

  /** One finding for an event, placed at `rel:line` (the event itself, or the import-time call that reaches it). */
  const report = (l: Located, rel: string, line: number, reach: string, at: string) => {
    const sev = (s: Severity): Severity => (l.conditional ? "warning" : s);
    const cond = l.conditional ? " (under a condition: static analysis cannot tell whether it runs; `npx create-mcp-monorepo verify` decides)" : "";
    const e = l.event;
    const v = l.verdict;
    if (e.kind === "engine") {
      if (v.kind === "unset") {
        out.push(finding("env-required", sev("error"), server, rel, line,
          `${reach}create_engine()${at} gets None when ${v.env} is unset and raises ArgumentError: the server does not load without it${cond}`,
          `set ${v.env} in the deployment's environment and document it in .env.example, or create the engine lazily (in a lifespan or the tools)`));
        return;
      }
      if (v.kind !== "network") return;
      const [dialect, named] = v.scheme.split("+") as [string, string | undefined];
      if (dialect === "postgres") {
        out.push(finding("import-crash", sev("error"), server, rel, line,
          `${reach}create_engine("postgres://…")${at} fails: SQLAlchemy 1.4 and later have no \`postgres\` dialect (NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres)${cond}`,
          "use `postgresql://` (replace the scheme when the URL comes from the environment)"));
        return;
      }
      if (saVersions.length === 0) return; // SQLAlchemy itself is not installed: undeclared-dependency says so
      const drivers = [...new Set(saVersions.map((ver) => named ?? defaultDriver(dialect, ver.split(".").map(Number) as [number, number])))].filter((d): d is string => !!d && !!DRIVERS[d]);
      const missing = drivers.filter((d) => !DRIVERS[d]!.dists.some((x) => dists.has(x)));
      if (missing.length === 0) return;
      const d = DRIVERS[missing[0]!]!;
      const all = missing.length === drivers.length;
      const minor = (ver: string) => ver.split(".").slice(0, 2).join(".");
      const where = [...new Set(saVersions.filter((ver) => defaultDriver(dialect, ver.split(".").map(Number) as [number, number]) === missing[0]).map(minor))];
      const which = named ? `its driver ${missing[0]}` : `SQLAlchemy ${where.join("/")}'s default ${DIALECT_NAMES[dialect] ?? dialect} driver, ${missing[0]}`;
      const env = v.env ? ` (${v.env}'s default)` : "";
      const alt = [defaultDriver(dialect, [2, 0]), defaultDriver(dialect, [2, 1])].find((x) => x && x !== missing[0] && DRIVERS[x]!.dists.some((y) => dists.has(y)));
      out.push(finding("undeclared-dependency", sev(all ? "error" : "warning"), server, rel, line,
        `${reach}create_engine("${v.scheme}://…")${at}${env} imports ${which}, which ${file} does not install: the load fails with "No module named '${d.module}'"${all ? "" : " with some of the SQLAlchemy versions the requirement admits (`npx create-mcp-monorepo verify` decides)"}${cond}`,
        alt
          ? `name the installed driver in the URL (\`${dialect}+${alt}://…\`), or add \`${d.add}\` to ${file}`
          : `add \`${d.add}\` to ${file}, or name an installed driver in the URL (\`${dialect}+<driver>://…\`)`));
      return;
    }
    // A connection (with its URL unset, create_engine() has already failed: env-required at the engine).
    if (v.kind === "sqlite" || v.kind === "unset") return;
    if (v.kind === "unknown") {
      out.push(finding("import-crash", "warning", server, rel, line,
        `${reach}${e.callee}()${at} connects at import to a database whose URL static analysis cannot read${v.text ? ` (${v.text})` : ""}: unless it is SQLite, the load fails wherever the database is unreachable`,
        "run `npx create-mcp-monorepo verify` to load the server for real, or connect lazily (in a lifespan or the tools)"));
      return;
    }
    const what = `${v.scheme.split("+")[0]}://${v.env ? `, ${v.env}'s default when unset` : ""}`;
    out.push(finding("import-crash", sev("error"), server, rel, line,
      `${reach}${e.callee}()${at} connects at import to the database (${what}) while FastMCP loads the file: the server does not load wherever the database is unreachable (a build, CI, \`fastmcp inspect\`)${cond}`,
      "connect lazily: create the tables and open connections in a lifespan or inside the tools, not at import"));
  };

  for (const l of located) report(l, l.rel, l.event.line, "", "");
  for (const s of sites) {
    // One finding per kind of problem for each import-time call, at the call (the file FastMCP imports).
    const seen = new Set<string>();
    for (const l of s.found) {
      const before = out.length;
      const chain = `${s.call.split(".").pop()}() at import runs ${l.via.join(" → ")}; there, `;
      report(l, s.src.rel, s.line, chain, ` (${l.rel}:${l.event.line})`);
      const added = out.splice(before);
      for (const f of added) {
        const k = `${f.rule}:${f.severity}`;
        if (!seen.has(k)) {
          seen.add(k);
          out.push(f);
        }
      }
    }
  }
  return out;
};
