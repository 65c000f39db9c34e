import path from "node:path";
import { UserError } from "../kernel/errors.js";

/**
 * One line for a failed dependency install (uv or pip), whatever the installer printed:
 * a full disk, an index that cannot be reached, or the installer's own first error.
 */
export function installFailure(installer: "uv" | "pip", output: string, where: { folder: string; python: string; platform: string; target: string }): UserError {
  const what = `${installer} could not install ${where.folder}/requirements.txt for Python ${where.python} on ${where.platform} (wheels only)`;
  if (/No space left on device|ENOSPC|\[Errno 28\]/i.test(output)) {
    // The target lives in the staging folder inside the output folder: name the output folder.
    return new UserError(`${what}: no space left on ${path.dirname(path.dirname(path.dirname(where.target)))}; free some space and run bundle again`);
  }
  const unreachable =
    /(dns error|failed to lookup address|Connection refused|tcp connect error|Network is unreachable|NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|ConnectTimeout|ConnectError|Could not fetch URL|error sending request for url|403 Forbidden|401 Unauthorized|Proxy)/i;
  if (unreachable.test(output)) {
    const url = /(https?:\/\/[^\s'"\\)>]+)/.exec(output)?.[1];
    return new UserError(`${what}: the index is unreachable${url ? ` (${url.slice(0, 120)})` : ""}; check the network, PIP_INDEX_URL or UV_DEFAULT_INDEX`);
  }
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /^(ERROR:|error:|×|╰─▶)/.test(l));
  const detail = (errors.length ? errors.slice(0, 3) : lines.slice(-2)).join(" ").slice(0, 600);
  return new UserError(`${what}: ${detail}`);
}
