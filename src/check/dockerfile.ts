import { parse, type CommandEntry } from "docker-file-parser";

/**
 * A Dockerfile read for `check`, parsed with `docker-file-parser` (instructions,
 * arguments, JSON exec form as arrays). Only what the docker and k8s rules compare is extracted.
 */
export interface DockerfileFacts {
  /** The last `FROM` image (the final stage), e.g. `python:3.12-slim`, with its line. */
  from: { image: string; line: number } | null;
  /** `ENV` values (later ones win). */
  env: Record<string, string>;
  /** `EXPOSE` ports (numbers; protocols dropped). */
  expose: number[];
  /** The last `USER`, or null (root). */
  user: string | null;
  /** First line of the instruction that set each of these (ENV per variable). */
  lines: { env: Record<string, number>; expose: number | null; user: number | null };
  /** The last `CMD`: exec form as an array, shell form as a string; null when absent. */
  cmd: { value: string[] | string; line: number } | null;
  /** The last `HEALTHCHECK`: its command (exec array or shell string), or `NONE`; null when absent. */
  healthcheck: { command: string[] | string | "NONE"; line: number } | null;
}

/** Python `major.minor` of an official python image reference (`python:3.12-slim` → `3.12`), else null. */
export function pythonOfImage(image: string): string | null {
  const m = /^(?:docker\.io\/)?(?:library\/)?python:(\d+\.\d+)(?:[.\-][^@]*)?(?:@.*)?$/.exec(image.trim());
  return m ? m[1]! : null;
}

function lineOf(text: string, entry: CommandEntry): number {
  // docker-file-parser reports the last line of a continued instruction; find its first line.
  const lines = text.split(/\r?\n/);
  for (let i = Math.min(entry.lineno, lines.length) - 1; i >= 0; i--) {
    if (new RegExp(`^\\s*${entry.name}\\b`, "i").test(lines[i]!)) return i + 1;
  }
  return entry.lineno;
}

function execOrShell(raw: string): string[] | string {
  const t = raw.trim();
  if (t.startsWith("[")) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    } catch {
      /* shell form that starts with "[" */
    }
  }
  return t;
}

/** Parses Dockerfile text into {@link DockerfileFacts}. */
export function readDockerfile(text: string): DockerfileFacts {
  const facts: DockerfileFacts = { from: null, env: {}, expose: [], user: null, cmd: null, healthcheck: null, lines: { env: {}, expose: null, user: null } };
  for (const e of parse(text, { includeComments: false })) {
    const line = lineOf(text, e);
    switch (e.name) {
      case "FROM": {
        const words = (Array.isArray(e.args) ? e.args.join(" ") : String(e.args)).split(/\s+/).filter((w) => !w.startsWith("--"));
        facts.from = { image: words[0] ?? "", line };
        break;
      }
      case "ENV":
        if (e.args && typeof e.args === "object" && !Array.isArray(e.args)) {
          Object.assign(facts.env, e.args);
          for (const k of Object.keys(e.args)) facts.lines.env[k] = line;
        }
        break;
      case "EXPOSE":
        facts.lines.expose = line;
        for (const p of Array.isArray(e.args) ? e.args : String(e.args).split(/\s+/)) {
          const n = Number.parseInt(String(p), 10);
          if (Number.isFinite(n)) facts.expose.push(n);
        }
        break;
      case "USER":
        facts.user = String(e.args).trim();
        facts.lines.user = line;
        break;
      case "CMD":
        facts.cmd = { value: Array.isArray(e.args) ? (e.args as string[]) : execOrShell(String(e.args)), line };
        break;
      case "HEALTHCHECK": {
        const raw = Array.isArray(e.args) ? e.args.join(" ") : String(e.args);
        if (/^\s*NONE\s*$/i.test(raw)) facts.healthcheck = { command: "NONE", line };
        else {
          const m = /(?:^|\s)CMD\s+([\s\S]*)$/.exec(raw);
          facts.healthcheck = { command: m ? execOrShell(m[1]!) : raw, line };
        }
        break;
      }
    }
  }
  return facts;
}

/** True when a USER value is root (`root`, `0`, `root:...`, `0:...`) or absent. */
export function isRootUser(user: string | null): boolean {
  if (user === null) return true;
  const name = user.split(":")[0]!.trim();
  return name === "root" || name === "0" || name === "";
}
