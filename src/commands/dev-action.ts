import path from "node:path";
import { PassThrough } from "node:stream";
import { writeLine, type Context } from "../kernel/context.js";
import { CannotRunError, isUserError } from "../kernel/errors.js";
import { readTextOrNull } from "../kernel/fs.js";
import { diffAgainstDisk, isWrite, type DesiredFile } from "../monorepo/changes.js";
import { serverPorts } from "../monorepo/manifest.js";
import { openMonorepo } from "../monorepo/monorepo.js";
import { runWrite } from "../monorepo/transaction.js";
import { clientConfig, CLIENTS, startDev, type Client, type DevEvent } from "../dev/index.js";
import { syncAction } from "./sync-action.js";
import type { CommandAction } from "./types.js";

// The body of `dev`, loaded by src/commands/dev.ts only when it runs.

/** Options of `dev` as commander parses them. */
export interface DevCliOptions {
  gateway?: boolean;
  gatewayPort?: string;
  json?: boolean;
  client?: string;
  cwd?: string;
  interpreter?: string;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

/** Writes the client's configuration file through the write transaction (VS Code, Cursor), or prints Claude Desktop's snippet. */
async function writeClient(ctx: Context, start: string, client: Client, names: readonly string[], gateway: string | null): Promise<void> {
  const repo = await openMonorepo(start);
  const ports = serverPorts(repo.manifest);
  const urls = Object.fromEntries(repo.select(names).map((s) => [s.name, `http://127.0.0.1:${ports.get(s.name)}/mcp`]));
  if (gateway) urls.gateway = gateway;
  if (client === "claude") {
    writeLine(ctx.stdout, "Claude Desktop: add these to mcpServers in claude_desktop_config.json (Settings > Developer > Edit Config):");
    writeLine(ctx.stdout, clientConfig(client, urls, null).text.trimEnd());
    return;
  }
  const result = await runWrite({
    command: "dev --client",
    start,
    opened: repo,
    allowDirty: true,
    plan: async (r) => {
      const file = clientConfig(client, urls, null).file!;
      const text = clientConfig(client, urls, await readTextOrNull(path.join(r.root, file))).text;
      return diffAgainstDisk(r.root, new Map<string, DesiredFile>([[file, { content: text }]]));
    },
    changes: (plan) => plan.filter(isWrite),
  });
  for (const c of result.plan.filter(isWrite)) writeLine(ctx.stderr, `${c.kind === "create" ? "CREATE" : "UPDATE"} ${c.path} (${client})`);
}

/**
 * The `dev` command body: starts the servers, prints name → URL, a status line as they answer,
 * and runs until Ctrl-C or SIGTERM, then stops every child and returns 130.
 *
 * @returns 130 when stopped by a signal.
 * @throws CannotRunError (exit 2) for a bad `--client` or `--gateway-port`, and what the core throws.
 */
export const devAction: CommandAction<{ names: string[]; options: DevCliOptions }> = async (ctx, { names, options: opts }) => {
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  if (opts.client !== undefined && !(CLIENTS as readonly string[]).includes(opts.client)) throw new CannotRunError(`--client must be one of ${CLIENTS.join(", ")}, got "${opts.client}"`);
  let gatewayPort: number | undefined;
  if (opts.gatewayPort !== undefined) {
    if (!/^\d+$/.test(opts.gatewayPort) || Number(opts.gatewayPort) < 1 || Number(opts.gatewayPort) > 65535) throw new CannotRunError(`--gateway-port must be a port number, got "${opts.gatewayPort}"`);
    gatewayPort = Number(opts.gatewayPort);
  }
  const ready = new Set<string>();
  let total = 0;
  const status = () => writeLine(ctx.stderr, `status: ${ready.size}/${total} answering${ready.size ? ` (${[...ready].join(", ")})` : ""}`);
  const onEvent = (e: DevEvent) => {
    if (e.type === "ready") {
      const again = ready.has(e.server);
      ready.add(e.server);
      if (opts.json) writeLine(ctx.stdout, JSON.stringify({ server: e.server, url: e.url, tools: e.tools, ms: e.ms }));
      if (!again) status();
    } else if (e.type === "exited") {
      ready.delete(e.server);
      writeLine(ctx.stderr, `${e.server} stopped:\n${e.output.trimEnd()}`);
      status();
    } else writeLine(ctx.stderr, `shared/: ${e.message}`);
  };
  // A change under shared/: the same write `sync` does (the one transaction), its report kept short.
  const syncShared = async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += String(d)));
    const code = await syncAction({ ...ctx, stdout: out, stderr: out, interactive: false }, { options: { cwd: start, allowDirty: true } });
    const last = text.trim().split("\n").filter(Boolean).pop() ?? "";
    return code === 0 ? `synced into every server (${last})` : `sync exit ${code}: ${last}`;
  };
  try {
    const run = await startDev({ start, servers: names, gateway: opts.gateway, gatewayPort, interpreter: opts.interpreter, env: ctx.env, syncShared, onEvent });
    total = run.servers.length + (run.gateway ? 1 : 0);
    if (opts.client) await writeClient(ctx, start, opts.client as Client, names, run.gateway?.url ?? null);
    if (!opts.json) {
      const width = Math.max(...run.servers.map((s) => s.name.length), run.gateway ? 7 : 0);
      for (const s of run.servers) writeLine(ctx.stdout, `${s.name.padEnd(width)}  ${s.url}`);
      if (run.gateway) writeLine(ctx.stdout, `${"gateway".padEnd(width)}  ${run.gateway.url}  (every tool as <server>_<tool>)`);
      writeLine(ctx.stdout, `CPython ${run.python}; reload on src/ changes; Ctrl-C stops them all.`);
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        process.removeListener("SIGINT", done);
        process.removeListener("SIGTERM", done);
        resolve();
      };
      process.on("SIGINT", done);
      process.on("SIGTERM", done);
    });
    await run.stop();
    writeLine(ctx.stderr, "stopped every server.");
    return EXIT_INTERRUPTED;
  } catch (err) {
    if (opts.json && isUserError(err)) {
      writeLine(ctx.stdout, JSON.stringify({ error: err.message, exitCode: err.exitCode }));
      return err.exitCode;
    }
    throw err;
  }
};
