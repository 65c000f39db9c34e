import * as fs from "node:fs/promises";
import path from "node:path";
import { CONTAINER_COMMAND, CONTAINER_PORT, HEALTH_PATH, MCP_PATH } from "../../scaffold/targets.js";
import type { ServerData } from "../collect.js";
import { isRootUser, pythonOfImage, readDockerfile, type DockerfileFacts } from "../dockerfile.js";
import { finding, type Rule, type RuleContext } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rules of the `docker` target: `target-files`, `docker-python`, `docker-serve`,
 * `health-route` and `docker-ignore`. They run when `docker` (or, for `health-route` and
 * `target-files`, `k8s`) is among the checked targets.
 *
 * A custom container is the way to run a Python FastMCP Cloud's base image does not have, so the
 * image's Python must be the manifest's (official images: https://hub.docker.com/_/python); the
 * container serves uvicorn on `$PORT` (default 8000) with a `/health` route for the probes; the official `python:<version>-slim` images ship no curl, so a curl HEALTHCHECK always fails.
 */

/** Reads a server file's text, or null. */
export async function readServerFile(ctx: RuleContext, server: ServerData, name: string): Promise<string | null> {
  return fs.readFile(path.join(ctx.root, ...server.folder.split("/"), name), "utf8").catch(() => null);
}

/** The server's parsed Dockerfile (cached per run on the ServerData object). */
export async function dockerfileOf(ctx: RuleContext, server: ServerData): Promise<{ text: string; facts: DockerfileFacts } | null> {
  const cache = server as ServerData & { dockerfile?: { text: string; facts: DockerfileFacts } | null };
  if (cache.dockerfile !== undefined) return cache.dockerfile;
  const text = await readServerFile(ctx, server, "Dockerfile");
  cache.dockerfile = text === null ? null : { text, facts: readDockerfile(text) };
  return cache.dockerfile;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/**
 * The file a container command runs, relative to the server folder: `python src/asgi.py`,
 * `python -m uvicorn asgi:app --app-dir src`, `uvicorn asgi:app --app-dir src`; null when unknown.
 */
export function servedFile(argv: readonly string[]): string | null {
  const py = argv.find((a) => a.endsWith(".py") && !a.startsWith("-"));
  if (py) return path.posix.normalize(py.replace(/^\.\//, "").replace(/^\/app\//, ""));
  const i = argv.findIndex((a) => /^uvicorn$|\/uvicorn$/.test(a));
  if (i !== -1) {
    const app = argv.slice(i + 1).find((a) => !a.startsWith("-") && a.includes(":"));
    if (!app) return null;
    const dirAt = argv.indexOf("--app-dir");
    const dir = dirAt !== -1 ? argv[dirAt + 1] ?? "." : ".";
    return path.posix.normalize(`${dir.replace(/^\/app\/?/, "") || "."}/${app.split(":")[0]!.replace(/\./g, "/")}.py`);
  }
  return null;
}

/** Does Python source serve streamable HTTP at `/mcp` (`http_app(path="/mcp")` / `run(..., path="/mcp")`)? */
export function servesMcpPath(source: string): boolean {
  return new RegExp(`path\\s*=\\s*["']${MCP_PATH}/?["']`).test(source);
}

/** Does the server's entry file register the health route (`@mcp.custom_route("/health", ...)`)? */
export function hasHealthRoute(source: string): boolean {
  return new RegExp(`custom_route\\(\\s*["']${HEALTH_PATH}["']`).test(source);
}

/** `target-files`: the artefacts each checked target needs exist. */
export const targetFilesRule: Rule = async (server, ctx) => {
  if (!server.dirExists) return [];
  const out: Finding[] = [];
  const need: Array<[string, string, "error" | "warning"]> = [];
  if (ctx.targets.includes("docker")) need.push(["docker", "Dockerfile", "error"], ["docker", ".dockerignore", "warning"]);
  if (ctx.targets.includes("k8s")) need.push(["k8s", "k8s.yaml", "error"]);
  for (const [target, file, severity] of need) {
    if ((await readServerFile(ctx, server, file)) !== null) continue;
    out.push(
      finding(
        "target-files",
        severity,
        server,
        `${server.folder}/${file}`,
        null,
        `${file} is missing: the ${target} target ${file === ".dockerignore" ? "builds with .env files, .venv and tests in the context" : "has nothing to deploy this server with"}`,
        `run \`npx create-mcp-monorepo add-target ${target}\` (it writes only the missing files), or remove ${target} from targets: in mcp-monorepo.yaml`,
      ),
    );
  }
  return out;
};

/** `docker-python`: the image's Python is the manifest's (the container runs the Python the project declares). */
export const dockerPythonRule: Rule = async (server, ctx) => {
  if (!ctx.targets.includes("docker") && !ctx.targets.includes("k8s")) return [];
  const df = await dockerfileOf(ctx, server);
  if (!df?.facts.from) return [];
  const file = `${server.folder}/Dockerfile`;
  const { image, line } = df.facts.from;
  const version = pythonOfImage(image);
  const want = ctx.manifest?.python ?? null;
  if (version === null) {
    return [finding("docker-python", "warning", server, file, line, `FROM ${image} is not an official python image, so check cannot tell which Python the container runs`, `use FROM python:${want ?? "<version>"}-slim (the official image)`)];
  }
  if (want !== null && version !== want) {
    return [
      finding("docker-python", "error", server, file, line, `FROM ${image} runs Python ${version}, but mcp-monorepo.yaml says python: "${want}" (what the tests and fastmcp.json use)`, `use FROM python:${want}-slim, or change python: in mcp-monorepo.yaml`),
    ];
  }
  return [];
};

/** `docker-serve`: the image serves the server's ASGI app at `/mcp` on `$PORT`, as a non-root user, with an exec-form CMD. */
export const dockerServeRule: Rule = async (server, ctx) => {
  if (!ctx.targets.includes("docker") && !ctx.targets.includes("k8s")) return [];
  const df = await dockerfileOf(ctx, server);
  if (!df) return [];
  const out: Finding[] = [];
  const file = `${server.folder}/Dockerfile`;
  const f = df.facts;
  const add = (severity: "error" | "warning", line: number | null, message: string, fix: string) => out.push(finding("docker-serve", severity, server, file, line, message, fix));
  const wantCmd = JSON.stringify(CONTAINER_COMMAND);
  if (!f.cmd) add("error", null, "no CMD: the container does not start the server", `add CMD ${wantCmd}`);
  else if (typeof f.cmd.value === "string") {
    add("warning", f.cmd.line, `CMD ${f.cmd.value} is in shell form: /bin/sh becomes PID 1 and the server never receives SIGTERM, so stops wait for the kill timeout`, `use the exec form, e.g. CMD ${wantCmd}`);
  } else {
    const served = servedFile(f.cmd.value);
    if (served === null) add("warning", f.cmd.line, `cannot tell which file CMD ${JSON.stringify(f.cmd.value)} serves, so its /mcp path is unchecked`, `use CMD ${wantCmd} (src/asgi.py serves the ASGI app)`);
    else {
      const source = await readServerFile(ctx, server, served);
      if (source === null) add("error", f.cmd.line, `CMD runs ${served}, which does not exist in ${server.folder}/`, `use CMD ${wantCmd}, or create ${served}`);
      else if (!servesMcpPath(source)) add("error", f.cmd.line, `${served} (what CMD runs) does not serve streamable HTTP at ${MCP_PATH}`, `serve mcp.http_app(path="${MCP_PATH}") as src/asgi.py does`);
    }
  }
  const port = Number.parseInt(f.env.PORT ?? String(CONTAINER_PORT), 10);
  if (f.expose.length === 0) add("warning", null, `no EXPOSE: the image does not say it listens on ${port}`, `add EXPOSE ${port}`);
  else if (!f.expose.includes(port)) add("error", f.lines.expose, `EXPOSE ${f.expose.join(" ")} does not include the port the server listens on ($PORT ${port})`, `EXPOSE ${port}, or set ENV PORT=${f.expose[0]}`);
  if (f.env.HOST !== undefined && LOOPBACK.test(f.env.HOST)) add("error", f.lines.env.HOST ?? null, `ENV HOST=${f.env.HOST} binds loopback inside the container: nothing outside it can connect`, "set ENV HOST=0.0.0.0");
  if (isRootUser(f.user)) add("error", f.lines.user, `the container runs as root (${f.user === null ? "no USER" : `USER ${f.user}`})`, "create a user and switch to it with a numeric USER, e.g. RUN useradd --system --no-log-init --uid 10001 app + USER 10001");
  return out;
};

/** `health-route`: the server registers `GET /health` and the image's HEALTHCHECK probes it without curl. */
export const healthRouteRule: Rule = async (server, ctx) => {
  if (!ctx.targets.includes("docker") && !ctx.targets.includes("k8s")) return [];
  const out: Finding[] = [];
  const entry = server.entry.sourceId ? await fs.readFile(path.join(ctx.root, ...server.entry.rel.split("/")), "utf8").catch(() => null) : null;
  if (entry !== null && !hasHealthRoute(entry)) {
    out.push(
      finding("health-route", "error", server, server.entry.rel, null, `no ${HEALTH_PATH} route: the container HEALTHCHECK and the Kubernetes probes get 404 and restart the server`, `register it in create_server(): @mcp.custom_route("${HEALTH_PATH}", methods=["GET"]) returning JSONResponse({"status": "ok"})`),
    );
  }
  if (!ctx.targets.includes("docker")) return out;
  const df = await dockerfileOf(ctx, server);
  if (!df) return out;
  const file = `${server.folder}/Dockerfile`;
  const hc = df.facts.healthcheck;
  const example = `HEALTHCHECK CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '${HEALTH_PATH}', timeout=4)"]`;
  if (!hc || hc.command === "NONE") out.push(finding("health-route", "warning", server, file, hc?.line ?? null, "no HEALTHCHECK: Docker cannot tell a hung server from a healthy one", example));
  else {
    const text = typeof hc.command === "string" ? hc.command : hc.command.join(" ");
    if (/(^|[\s/"'])(curl|wget)(\s|$)/.test(text)) out.push(finding("health-route", "error", server, file, hc.line, "HEALTHCHECK uses curl/wget, which python:*-slim images do not have: the check always fails", example));
    else if (!text.includes(HEALTH_PATH)) out.push(finding("health-route", "warning", server, file, hc.line, `HEALTHCHECK does not probe ${HEALTH_PATH}`, example));
  }
  return out;
};

/** `docker-ignore`: `.dockerignore` keeps `.env` files (secrets) out of the build context. */
export const dockerIgnoreRule: Rule = async (server, ctx) => {
  if (!ctx.targets.includes("docker")) return [];
  const text = await readServerFile(ctx, server, ".dockerignore");
  if (text === null) return [];
  const patterns = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const excludesEnv = patterns.some((p) => /^(\*\*\/|\/)?\.env(\*|\.\*)?$/.test(p)) && !patterns.includes("!.env");
  if (excludesEnv) return [];
  return [finding("docker-ignore", "warning", server, `${server.folder}/.dockerignore`, null, ".dockerignore does not exclude .env: a local .env with real secrets is copied into the build context", "add the lines `.env`, `.env.*` and `!.env.example`")];
};
