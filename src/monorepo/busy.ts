import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { rollForward, type JournalEntry } from "./changes.js";

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
  /** The renames a transaction was about to make (written once its temp files were complete). */
  journal?: JournalEntry[];
}

/** The release function of {@link acquireBusy}, which can also record a transaction's journal in the marker. */
export interface BusyHold {
  (): Promise<void>;
  /** Records the renames to come (an `applyChanges` `onStaged` hook): a killed run is then finished by the next one. */
  record(journal: JournalEntry[]): Promise<void>;
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
 * A stale marker (its process is gone) is taken over; if it holds a journal, the killed
 * transaction's remaining renames are done first ({@link rollForward}), so the tree is in its new state.
 *
 * @returns a function that releases it (idempotent), with `record` to store a journal.
 * @throws UserError when a live process holds it.
 */
export async function acquireBusy(root: string, command: string): Promise<BusyHold> {
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
      // Stale: its process was killed. If it was killed between the renames of a commit, finish them.
      if (holder?.journal && Array.isArray(holder.journal)) await rollForward(root, holder.journal);
      await fs.rm(file, { force: true });
    }
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await fs.rm(file, { force: true });
  };
  const record = async (journal: JournalEntry[]) => {
    // Written beside and renamed over the marker, so the marker is never torn.
    const tmp = path.join(root, `${BUSY_FILE}.mcpm-tmp-${process.pid.toString(16).padStart(8, "0").slice(-8)}`);
    await fs.writeFile(tmp, JSON.stringify({ pid: process.pid, command, journal } satisfies Holder) + "\n");
    await fs.rename(tmp, file);
  };
  return Object.assign(release, { record });
}

/**
 * Whether a killed run left the busy marker with an unfinished commit (a journal), which the
 * next {@link acquireBusy} finishes. A marker whose process still runs is not stale.
 *
 * @param root - absolute monorepo root.
 * @returns the killed command's name, or null.
 */
export async function unfinishedCommit(root: string): Promise<string | null> {
  const holder = await readHolder(path.join(root, BUSY_FILE));
  if (!holder || processAlive(holder.pid) || !Array.isArray(holder.journal) || holder.journal.length === 0) return null;
  return typeof holder.command === "string" ? holder.command : "a command";
}
