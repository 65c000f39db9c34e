// `bundle [NAME...] [--out DIR] [--platform P] [--interpreter PATH] [--cwd]` and
// `bundle --verify FILE [--sha256 HEX]` with hostile names, output folders (`..`, absolute, NUL,
// links out, existing files), platforms, interpreters, files to verify and hashes, on trees with
// secrets (.env, .env.local: never bundled, never printed), links out of a server folder, hostile
// FastMCP versions, bad entry files, non-PyPI requirements, a dist/ that is a link out, old
// bundles that are links, and a killed run's staging folder.
//
// A real build (pip, ~15 s) happens only in REAL_BUILDS cases per run, through the built CLI;
// every other build case runs with pip pointed at an empty wheel folder, so it gets as far as pip
// and is refused there (which tests that a failed build leaves the tree as it was).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { isTransientName } from "../../../src/monorepo/changes.js";
import { toIdentifier } from "../../../src/monorepo/names.js";
import { PYTHON, REPO_ROOT } from "../../helpers/python.js";
import { copyTemplate, manifestNames } from "../fixture.js";
import { looksLikeCrash, resolveTokens, SLOW, type Problem, type Sandbox } from "../harness.js";
import { hostileString } from "../hostile.js";
import { isInside, type CommandSpec } from "../spec.js";

const execFileP = promisify(execFile);
/** Cases per run that build for real (pip from the index, through the built CLI). */
const REAL_BUILDS = Number(process.env.MCPM_BUNDLE_REAL ?? (SLOW ? 6 : 1));
let realBuilds = 0;
/** Trees a real build may start from (the others are refused before pip, or pip is not the point). */
const REAL_VARIANTS = new Set<string>(["plain", "secrets", "unignore-env", "stale-staging", "version-custom"]);

type BundleVariant =
  | "plain"
  | "secrets"
  | "unignore-env"
  | "symlink-out-in-src"
  | "version-hostile"
  | "version-custom"
  | "server-py-binary"
  | "server-py-syntax"
  | "requirements-nonpypi"
  | "requirements-missing"
  | "dist-symlink-out"
  | "old-bundle-symlink"
  | "old-sha-symlink"
  | "dist-is-file"
  | "stale-staging"
  | "manifest-broken";

interface BundleCase {
  mode: "build" | "verify";
  names: string[];
  out: string | null;
  platform: string | null;
  interpreter: string | null;
  cwd: string | null;
  json: boolean;
  /** --verify FILE and --sha256 HEX (verify mode). */
  verifyFile: string;
  sha256: string | null;
  variant: BundleVariant;
  /** Asks for a real build (granted to the first REAL_BUILDS such cases). */
  real: boolean;
  hostileVersion: string;
}

const serverArg = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("ops", "billing", "server-ops") },
  { weight: 2, arbitrary: fc.constantFrom("nope", "OPS", "../server-ops", "server-ops/", "shared", "", "-x", "ops\u0000", "ops\n", "{{name}}") },
  { weight: 1, arbitrary: hostileString },
);
const outArg = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("dist", "out/bundles", "../out", "@BOX@/elsewhere", "./", "server-ops/dist") },
  { weight: 3, arbitrary: fc.constantFrom("link-out", "link-out/sub", "README.md", "README.md/x", "a\u0000b", "", "mcp-monorepo.yaml", "@SENTINEL@/keep.txt", "broken-link") },
  { weight: 1, arbitrary: hostileString },
);
const verifyArg = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("fake.mcpb", "fake.mcpb", "dist/../fake.mcpb", "@BOX@/work/repo/fake.mcpb") },
  { weight: 3, arbitrary: fc.constantFrom("README.md", "@SENTINEL@/keep.txt", "missing.mcpb", "a\u0000b", "", "..", "/dev/null", "fifo.mcpb", "fifo-side.mcpb", "huge-side.mcpb", "server-ops") },
  { weight: 1, arbitrary: hostileString },
);
const shaArg = fc.oneof(
  { weight: 10, arbitrary: fc.constant<string | null>(null) },
  { weight: 3, arbitrary: fc.constantFrom("@RIGHT@", "@RIGHT@", "@RIGHT-UPPER@", "@RIGHT-SPACED@", "0".repeat(64), "f".repeat(63), "g".repeat(64), "", "@RIGHT@\n@RIGHT@") },
  { weight: 1, arbitrary: hostileString },
);

/** `arb` now and then, else null (`nulls` times as often). */
const sometimes = <T>(arb: fc.Arbitrary<T>, nulls: number) => fc.oneof({ weight: nulls, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const bundleCase: fc.Arbitrary<BundleCase> = fc.record({
  mode: fc.constantFrom<"build" | "verify">("build", "verify"),
  names: fc.oneof({ weight: 2, arbitrary: fc.constant<string[]>([]) }, { weight: 3, arbitrary: fc.array(serverArg, { minLength: 1, maxLength: 2 }) }),
  out: sometimes(outArg, 1),
  platform: sometimes(fc.oneof({ weight: 6, arbitrary: fc.constantFrom("linux-x86_64", "linux-arm64", "macos-arm64", "windows-x86_64") }, { weight: 1, arbitrary: fc.constantFrom("linux", "LINUX-X86_64", "", "linux-x86_64\n", "../x") }, { weight: 1, arbitrary: hostileString }), 2),
  interpreter: sometimes(fc.constantFrom("/nonexistent/python3", "@SENTINEL@/config.py", "true", "", "a\u0000b", "python3 -c 'import os'", "$(id)"), 8),
  cwd: sometimes(fc.constantFrom(".", "server-ops", "server-ops/src", "..", "@SENTINEL@", "missing-dir", "README.md", "a\u0000b"), 4),
  json: fc.boolean(),
  verifyFile: verifyArg,
  sha256: shaArg,
  variant: fc.constantFrom<BundleVariant>(
    "plain", "plain", "plain", "plain", "secrets", "secrets", "unignore-env",
    "symlink-out-in-src", "version-hostile", "version-custom", "server-py-binary", "server-py-syntax", "requirements-nonpypi",
    "requirements-missing", "dist-symlink-out", "old-bundle-symlink", "old-sha-symlink", "dist-is-file", "stale-staging", "manifest-broken",
  ),
  real: fc.boolean(),
  hostileVersion: fc.constantFrom("../../../sentinel/pwn", "/tmp/x", "1.0/../../x", "..", "1.0\n2", "", " 1.0", "a".repeat(200), "1.0\u0000", "v1 2"),
});

/** Secrets planted by a case: they must never be printed or bundled. */
const secretsOf = new Map<string, string[]>();
/** Bundle names that exist before the run (old bundles). */
const BUNDLE = (folder: string, version: string, platform: string) => `${folder}-${version}-${platform}.mcpb`;

async function layBundleVariant(repo: string, c: BundleCase, box: Sandbox): Promise<string[]> {
  const abs = (rel: string) => path.join(repo, ...rel.split("/"));
  const secrets: string[] = [];
  const secret = async (rel: string) => {
    const s = `s3cr3t-${Math.random().toString(16).slice(2)}`;
    secrets.push(s);
    await fs.mkdir(path.dirname(abs(rel)), { recursive: true });
    await fs.writeFile(abs(rel), `OPS_API_KEY=${s}\n`);
  };
  switch (c.variant) {
    case "secrets":
      for (const rel of [".env", "server-ops/.env", "server-ops/.env.local", "server-ops/src/.env", "server-ops/src/shared/.env.production", "server-billing/.env"]) await secret(rel);
      break;
    case "unignore-env":
      await secret("server-ops/.env");
      await secret("server-ops/src/.env.local");
      await fs.writeFile(abs("server-ops/.mcpbignore"), "!.env\n!.env.local\n!**/.env*\n");
      break;
    case "symlink-out-in-src":
      await fs.symlink(path.join(box.sentinel, "config.py"), abs("server-ops/src/evil.py"));
      break;
    case "version-hostile":
    case "version-custom": {
      const v = c.variant === "version-custom" ? "2.0.0rc1+local.7" : c.hostileVersion;
      for (const f of ["server-ops", "server-billing"]) {
        const py = await fs.readFile(abs(`${f}/src/server.py`), "utf8");
        await fs.writeFile(abs(`${f}/src/server.py`), py.replace(/version="[^"]*"/, `version=${JSON.stringify(v)}`));
      }
      break;
    }
    case "server-py-binary":
      await fs.writeFile(abs("server-ops/src/server.py"), Buffer.from([0xff, 0xfe, 0x00, 0x9f, 0x80, 0x0a, 0xc3, 0x28]));
      break;
    case "server-py-syntax":
      await fs.appendFile(abs("server-ops/src/server.py"), "\ndef broken(:\n");
      break;
    case "requirements-nonpypi":
      await fs.appendFile(abs("server-ops/requirements.txt"), `\n-e ${path.join(box.sentinel, "nested")}\n--index-url http://127.0.0.1:9/simple\n`);
      await fs.appendFile(abs("server-billing/requirements.txt"), `\n${path.join(box.sentinel, "nested")}\n`);
      break;
    case "requirements-missing":
      await fs.rm(abs("server-ops/requirements.txt"));
      break;
    case "dist-symlink-out":
      await fs.symlink(path.join(box.sentinel, "nested"), abs("dist"));
      break;
    case "old-bundle-symlink":
    case "old-sha-symlink": {
      await fs.mkdir(abs("dist"), { recursive: true });
      for (const f of ["server-ops", "server-billing"]) {
        for (const p of [c.platform ?? "linux-x86_64", "linux-x86_64"]) {
          const name = BUNDLE(f, "0.1.0", p);
          if (name.includes("/") || name.includes("\u0000")) continue;
          const at = abs(`dist/${name}${c.variant === "old-sha-symlink" ? ".sha256" : ""}`);
          await fs.rm(at, { force: true });
          await fs.symlink(path.join(box.sentinel, "keep.txt"), at);
        }
      }
      break;
    }
    case "dist-is-file":
      await fs.writeFile(abs("dist"), "a file where dist/ would go\n");
      break;
    case "stale-staging": {
      // A killed run's staging folder (pid 99999999: above Linux's pid_max, never alive).
      const st = abs(`dist/.${BUNDLE("server-ops", "0.1.0", "linux-x86_64")}.mcpm-staging-05f5e0ff`);
      await fs.mkdir(path.join(st, "deps", "half"), { recursive: true });
      await fs.writeFile(path.join(st, "bundle.mcpb"), "PK half a zip");
      break;
    }
    case "manifest-broken":
      await fs.writeFile(abs("mcp-monorepo.yaml"), (await fs.readFile(abs("mcp-monorepo.yaml"), "utf8")).replace(/^servers:/m, "servers: [unclosed\n  x:"));
      break;
    case "plain":
      break;
  }
  return secrets;
}

async function sha256(file: string): Promise<string> {
  return createHash("sha256").update(await fs.readFile(file)).digest("hex");
}

/** Entries and contents of a zip, read with Python's zipfile: names, and whether any entry holds one of `needles`. */
async function zipFacts(file: string, needles: string[]): Promise<{ names: string[]; found: string[]; error: string | null }> {
  const script = "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nbad=z.testzip()\nneedles=json.loads(sys.argv[2])\nfound=[n for n in z.namelist() if any(s.encode() in z.read(n) for s in needles)]\nprint(json.dumps({'names':z.namelist(),'found':found,'error':bad}))";
  try {
    const { stdout } = await execFileP(PYTHON, ["-c", script, file, JSON.stringify(needles)], { maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as { names: string[]; found: string[]; error: string | null };
  } catch (err) {
    return { names: [], found: [], error: (err as Error).message.slice(0, 300) };
  }
}

const prepared = new Map<string, { secrets: string[]; outDir: string | null; writeRoot: string | null; real: boolean }>();

/** The folder a build may change: `outDir`, or its topmost missing ancestor (bundle creates `--out` as `mkdir -p` does). */
async function writeRootOf(outDir: string): Promise<string> {
  let top = outDir;
  for (let up = path.dirname(top); up !== top && !(await fs.lstat(up).then(() => true, () => false)); up = path.dirname(up)) top = up;
  return top;
}

export const bundleSpec: CommandSpec<BundleCase> = {
  name: "bundle",
  runs: 50,
  cases: bundleCase,
  refusalCode: [1, 2],
  figures: () => ({ "real builds (built CLI)": realBuilds }),
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    const secrets = await layBundleVariant(repo, c, box);
    // Files a hostile argument may name.
    await fs.symlink(path.join(box.sentinel, "nested"), path.join(repo, "link-out"));
    await fs.symlink(path.join(box.sentinel, "gone"), path.join(repo, "broken-link"));
    const fake = path.join(repo, "fake.mcpb");
    await fs.writeFile(fake, "PK\u0003\u0004 not really a bundle, but its hash is what --verify checks\n");
    const right = await sha256(fake);
    await fs.writeFile(`${fake}.sha256`, `${right}  fake.mcpb\n`);
    await execFileP("mkfifo", [path.join(repo, "fifo.mcpb")]).catch(() => undefined);
    await fs.writeFile(path.join(repo, "fifo-side.mcpb"), "x");
    await execFileP("mkfifo", [path.join(repo, "fifo-side.mcpb.sha256")]).catch(() => undefined);
    await fs.writeFile(path.join(repo, "huge-side.mcpb"), "x");
    await fs.writeFile(path.join(repo, "huge-side.mcpb.sha256"), "0".repeat(64) + " ".repeat(100_000));

    const tok = (s: string) => resolveTokens(s, box);
    const cwd = c.cwd === null ? repo : path.resolve(repo, tok(c.cwd).replaceAll("\u0000", ""));
    const argv = ["bundle"];
    const real = c.mode === "build" && c.real && REAL_VARIANTS.has(c.variant) && realBuilds < REAL_BUILDS;
    if (real) {
      // Every real build also proves secrets stay out: .env files everywhere, and a .mcpbignore that tries to bring them back.
      for (const rel of ["server-ops/.env", "server-ops/.env.local", "server-ops/src/.env", "server-billing/.env", "server-billing/src/shared/.env.production"]) {
        const s = `s3cr3t-${Math.random().toString(16).slice(2)}`;
        secrets.push(s);
        await fs.writeFile(path.join(repo, ...rel.split("/")), `OPS_API_KEY=${s}\n`);
      }
      for (const f of ["server-ops", "server-billing"]) await fs.appendFile(path.join(repo, f, ".mcpbignore"), "!.env\n!.env.local\n!**/.env*\n");
    }
    let outDir: string | null = null;
    if (c.mode === "verify") {
      argv.push("--verify", tok(c.verifyFile));
      if (c.sha256 !== null) argv.push("--sha256", c.sha256.replaceAll("@RIGHT-UPPER@", right.toUpperCase()).replaceAll("@RIGHT-SPACED@", `  ${right}  `).replaceAll("@RIGHT@", right));
      if (c.names.length && Math.random() < 0.2) argv.push(c.names[0]!);
    } else if (real) {
      realBuilds++;
      argv.push(Math.random() < 0.5 ? "ops" : "billing");
      if (c.out !== null && ["dist", "out/bundles", "../out", "@BOX@/elsewhere"].includes(c.out)) argv.push("--out", tok(c.out));
    } else {
      argv.push(...c.names.map(tok));
      if (c.out !== null) argv.push("--out", tok(c.out));
      if (c.platform !== null) argv.push("--platform", c.platform);
      if (c.interpreter !== null) argv.push("--interpreter", tok(c.interpreter));
    }
    if (c.json) argv.push("--json");
    if (c.cwd !== null && !real) argv.push("--cwd", tok(c.cwd));
    if (c.mode === "build") {
      const i = argv.indexOf("--out");
      const base = real ? repo : cwd;
      outDir = i >= 0 ? path.resolve(base, argv[i + 1]!.replaceAll("\u0000", "")) : path.join(repo, "dist");
    }
    const writeRoot = outDir && !(await fs.lstat(outDir).then(() => true, () => false)) ? await writeRootOf(outDir) : outDir;
    prepared.set(repo, { secrets, outDir, writeRoot, real });
    // An explicit --out outside the monorepo is where the user asked bundle to write (when it is
    // no link out of the sandbox); nothing else may change.
    const writable = writeRoot && outDir && isInside(outDir, box.root) && !isInside(writeRoot, box.sentinel) ? [writeRoot] : [];
    // pip from the index only for a real build; else an empty wheel folder: pip fails in a second.
    const env: Record<string, string> = real ? { PIP_CACHE_DIR: path.join(REPO_ROOT, ".cache", "pip") } : { PIP_NO_INDEX: "1", PIP_FIND_LINKS: box.sentinel + "/empty-dir" };
    return { cwd: repo, argv, writable, env, bin: real, timeoutMs: real ? 300_000 : 90_000 };
  },
  async judge(c, prep, out, changed, box) {
    const problems: Problem[] = [];
    const repo = prep.cwd;
    const pre = prepared.get(repo)!;
    prepared.delete(repo);
    const printed = out.stdout + out.stderr;
    for (const s of pre.secrets) if (printed.includes(s)) problems.push({ kind: "secret-leaked", detail: "a .env value was printed" });
    if (out.code !== 0) {
      // A build that fails in pip (the empty wheel folder) is refused with one line; any other non-zero exit is unclear.
      return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? problems : [...problems, { kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    }
    if (c.mode === "verify" || prep.argv.includes("--verify")) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--verify wrote ${changed.slice(0, 5).join(", ")}` });
      if (!/^OK |"ok": true/m.test(out.stdout)) problems.push({ kind: "invalid-file", detail: `--verify exit 0 without OK: ${out.stdout.slice(0, 200)}` });
      return { verdict: "accepted", problems };
    }
    // A build: every bundle named in the output exists, verifies, holds no secret, and no staging is left.
    if (!pre.real) problems.push({ kind: "invalid-file", detail: "a build with an empty wheel folder succeeded" });
    const outDir = pre.outDir!;
    const entries = await fs.readdir(outDir).catch(() => [] as string[]);
    const leftovers = entries.filter((e) => isTransientName(e) || e.endsWith(".partial"));
    if (leftovers.length) problems.push({ kind: "partial-tree", detail: `left in the output folder: ${leftovers.join(", ")}` });
    const bundles = entries.filter((e) => e.endsWith(".mcpb"));
    if (bundles.length !== 1) problems.push({ kind: "partial-tree", detail: `expected one bundle in ${outDir}, found ${bundles.join(", ") || "none"}` });
    for (const b of bundles) {
      const file = path.join(outDir, b);
      const side = await fs.readFile(`${file}.sha256`, "utf8").catch(() => "");
      const got = await sha256(file);
      if (side.split(/\s+/)[0] !== got) problems.push({ kind: "invalid-file", detail: `${b}.sha256 does not match ${b}` });
      if (!printed.includes(got)) problems.push({ kind: "invalid-file", detail: `the printed SHA256 is not ${b}'s` });
      const z = await zipFacts(file, pre.secrets);
      if (z.error) problems.push({ kind: "invalid-file", detail: `${b}: ${z.error}` });
      if (!z.names.includes("manifest.json") || !z.names.includes("src/server.py") || !z.names.some((n) => n.startsWith("deps/fastmcp/"))) problems.push({ kind: "invalid-file", detail: `${b} lacks manifest.json, src/server.py or deps/fastmcp/` });
      const env = z.names.filter((n) => /(^|\/)\.env(\.|$)/.test(n) && !n.endsWith(".env.example"));
      if (env.length || z.found.length) problems.push({ kind: "secret-leaked", detail: `${b} holds ${[...env, ...z.found].join(", ")}` });
    }
    const relRepo = path.relative(box.root, repo).split(path.sep).join("/");
    const names = (await manifestNames(repo)) ?? [];
    // The tree itself is untouched but for the output folder: sync --check and check --strict still pass.
    const inTree = changed.filter((p) => p.startsWith(`${relRepo}/`) && !isInside(path.join(box.root, p), pre.writeRoot!));
    if (inTree.length) problems.push({ kind: "user-data-lost", detail: `bundle changed ${inTree.slice(0, 5).join(", ")}` });
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean: true, importable: [] } };
  },
};
