import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "./errors.js";

/**
 * A root-level marker that one writing command (`sync`, `add-server`) holds while
 * it plans and applies, so two of them never interleave: `sync` removes the
 * temporary files a killed run left behind, and must not remove a live run's.
 * The file holds the holder's pid; one whose process is gone (a killed run) is stale
 * and taken over.
 */
export const BUSY_FILE = ".mcp-monorepo.busy";

interface Holder {
  pid: number;
  command: string;
}

/** True when a process with this pid exists (not this process itself: its own leftovers are never live). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as Holder;
  } catch {
    return null;
  }
}

/**
 * Takes the monorepo's busy marker (created with O_EXCL).
 *
 * @param root - absolute monorepo root.
 * @param command - name shown to a second command that finds it taken.
 * @returns a function that releases it (idempotent).
 * @throws UserError when a live process holds it.
 */
export async function acquireBusy(root: string, command: string): Promise<() => Promise<void>> {
  const file = path.join(root, BUSY_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify({ pid: process.pid, command } satisfies Holder) + "\n", { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await readHolder(file);
      if (attempt > 0 || (holder && processAlive(holder.pid))) {
        const who = holder ? `${holder.command} (pid ${holder.pid})` : "another mcp-monorepo command";
        throw new UserError(`${who} is changing this monorepo; wait for it to finish, or delete ${BUSY_FILE} if no such process runs`);
      }
      await fs.rm(file, { force: true }); // stale: its process was killed
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await fs.rm(file, { force: true });
  };
}
