import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { rollForward, type JournalEntry } from "./changes.js";
import { pidHex, processAlive } from "./pid.js";

export { processAlive } from "./pid.js";

/**
 * The monorepo's busy marker: a root-level file that one writing command (`sync`, `add-server`,
 * `add-target`) holds while it plans and applies, so two of them never interleave, and that
 * commands reading the tree for an artefact (`bundle`) respect through a shared hold.
 *
 * - The marker holds its holder's pid, command and a nonce. It is written completely under a
 *   temporary name and then hard-linked to {@link BUSY_FILE}: `link(2)` is atomic and fails with
 *   EEXIST when the name exists, so the marker is never seen empty or half written.
 * - A marker whose process is gone (a killed run) is stale and taken over. Taking over is
 *   serialised by takeover intents (one file per process, its pid in the name): a process takes
 *   over only when, after creating its own intent, it sees no other live intent. Of two processes
 *   that both judge the marker stale, at most one enters (the later one to list sees the other's
 *   intent); while it holds the only live intent nothing else replaces or removes the stale
 *   marker, so it is replaced atomically by `rename(2)`.
 * - A shared holder registers a file of its own (its pid in the name) and then reads the marker;
 *   a writer takes the marker and then lists the registrations. Whichever acts second sees the
 *   other and refuses, so a reader and a writer are never inside together.
 *
 * Every helper file of the marker is named `.mcp-monorepo.busy.<kind>-<random>[-<command>].mcpm-tmp-<pid>`:
 * a transient name, removed by the next command once its process is gone.
 */
export const BUSY_FILE = ".mcp-monorepo.busy";

interface Holder {
  pid: number;
  command: string;
  /** Tells this hold from a later one of a process with the same pid. */
  nonce?: string;
  /** The renames a transaction was about to make (written once its temp files were complete). */
  journal?: JournalEntry[];
}

/** The release function of {@link acquireBusy}, which can also record a transaction's journal in the marker. */
export interface BusyHold {
  (): Promise<void>;
  /** Records the renames to come (an `applyChanges` `onStaged` hook): a killed run is then finished by the next one. */
  record(journal: JournalEntry[]): Promise<void>;
}

/** Helper files: `n` a marker being written, `t` a takeover intent, `r` a shared hold, `j` a journal being written. */
type Kind = "n" | "t" | "r" | "j";
const FAMILY = /^\.mcp-monorepo\.busy\.([ntrj])-[0-9a-f]{8}(?:-([a-z][a-z0-9-]{0,39}))?\.mcpm-tmp-([0-9a-f]{8})$/;

interface Member {
  name: string;
  kind: Kind;
  pid: number;
  command: string | null;
}

function familyName(kind: Kind, command?: string): string {
  const cmd = command && /^[a-z][a-z0-9-]{0,39}$/.test(command) ? `-${command}` : "";
  return `${BUSY_FILE}.${kind}-${randomBytes(4).toString("hex")}${cmd}.mcpm-tmp-${pidHex()}`;
}

/** True for the helper files of the busy marker (never a killed transaction's leftovers: the marker cleans them). */
export function isBusyFile(name: string): boolean {
  return name === BUSY_FILE || FAMILY.test(name);
}

async function family(root: string): Promise<Member[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const out: Member[] = [];
  for (const name of names) {
    const m = FAMILY.exec(name);
    if (m) out.push({ name, kind: m[1] as Kind, command: m[2] ?? null, pid: Number.parseInt(m[3]!, 16) });
  }
  return out;
}

/** The members whose process still runs (this process's own are never live: it is not its own competitor). */
async function liveMembers(root: string, kind: Kind): Promise<Member[]> {
  return (await family(root)).filter((m) => m.kind === kind && processAlive(m.pid));
}

/** Removes helper files whose process is gone (a killed run's). This process's own are left alone. */
async function removeDeadMembers(root: string): Promise<void> {
  for (const m of await family(root)) {
    if (m.pid === process.pid || processAlive(m.pid)) continue;
    await fs.rm(path.join(root, m.name), { force: true });
  }
}

type ReadResult = Holder | "missing" | "unreadable";

async function readMarker(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  try {
    const h = JSON.parse(text) as Holder;
    return h && typeof h === "object" && typeof h.pid === "number" ? h : "unreadable";
  } catch {
    return "unreadable";
  }
}

async function readHolder(file: string): Promise<Holder | null> {
  const h = await readMarker(file);
  return typeof h === "object" ? h : null;
}

function busyError(holder: Holder | null): UserError {
  const who = holder ? `${holder.command} (pid ${holder.pid})` : "another mcp-monorepo command";
  return new UserError(`${who} is changing this monorepo; wait for it to finish, or delete ${BUSY_FILE} if no such process runs`);
}

function readerError(reader: Member): UserError {
  return new UserError(`${reader.command ?? "another mcp-monorepo command"} (pid ${reader.pid}) is reading this monorepo; wait for it to finish, or delete ${reader.name} if no such process runs`);
}

/**
 * Appends `enter`/`leave` lines to the file `$MCPM_BUSY_TRACE` names (set only by the concurrency
 * test, which checks that no two holders were ever inside together). O_APPEND writes of one short
 * line land whole.
 */
async function trace(event: "enter" | "leave", kind: "w" | "r", command: string): Promise<void> {
  const file = process.env.MCPM_BUSY_TRACE;
  if (file) await fs.appendFile(file, `${event} ${kind} ${process.pid} ${command}\n`);
}

/** Writes `text` completely under a new helper name and returns its absolute path. */
async function writeHelper(root: string, kind: Kind, text: string, command?: string): Promise<string> {
  const file = path.join(root, familyName(kind, command));
  await fs.writeFile(file, text, { flag: "wx" });
  return file;
}

/**
 * Creates `marker` as a hard link of the complete file `tmp` (atomic; EEXIST when it exists).
 * On a filesystem without hard links, falls back to an exclusive create (O_EXCL) and a write.
 */
async function linkMarker(tmp: string, marker: string, text: string): Promise<void> {
  try {
    await fs.link(tmp, marker);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw err;
    await fs.writeFile(marker, text, { flag: "wx" });
  }
}

/**
 * Takes over a stale marker (its process is gone), race-free (see {@link BUSY_FILE}): under a
 * takeover intent that no other live process holds, the marker is read again; still stale, a
 * journal it holds is rolled forward and the complete `tmp` is renamed over it.
 *
 * @returns true when this process now holds the marker.
 * @throws UserError when a live process holds the marker, or another process is taking it over.
 */
async function takeOver(root: string, marker: string, tmp: string, text: string): Promise<boolean> {
  const intent = await writeHelper(root, "t", "");
  try {
    const others = (await liveMembers(root, "t")).filter((m) => m.name !== path.basename(intent));
    if (others.length > 0) throw busyError(null);
    const now = await readMarker(marker);
    if (now === "missing") {
      try {
        await linkMarker(tmp, marker, text);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        throw busyError(await readHolder(marker));
      }
    }
    if (typeof now === "object" && processAlive(now.pid)) throw busyError(now);
    // Stale: its process was killed. If it was killed between the renames of a commit, finish them.
    if (typeof now === "object" && Array.isArray(now.journal)) await rollForward(root, now.journal);
    await fs.rename(tmp, marker);
    return true;
  } finally {
    await fs.rm(intent, { force: true });
  }
}

/**
 * Takes the monorepo's busy marker for a writing command.
 *
 * A stale marker (its process is gone) is taken over; if it holds a journal, the killed
 * transaction's remaining renames are done first ({@link rollForward}), so the tree is in its new
 * state. Helper files of killed runs are removed.
 *
 * @param root - absolute monorepo root.
 * @param command - name shown to a second command that finds it taken.
 * @returns a function that releases it (idempotent), with `record` to store a journal.
 * @throws UserError when a live process holds it, is taking it over, or reads the tree (a shared hold).
 */
export async function acquireBusy(root: string, command: string): Promise<BusyHold> {
  const marker = path.join(root, BUSY_FILE);
  await removeDeadMembers(root);
  const nonce = randomBytes(8).toString("hex");
  const text = JSON.stringify({ pid: process.pid, command, nonce } satisfies Holder) + "\n";
  const tmp = await writeHelper(root, "n", text);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await linkMarker(tmp, marker, text);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = await readMarker(marker);
      // Released between the link and the read: try again (a few times; then it is contended).
      if (holder === "missing") {
        if (attempt < 5) continue;
        throw busyError(null);
      }
      if (typeof holder === "object" && processAlive(holder.pid)) throw busyError(holder);
      if (await takeOver(root, marker, tmp, text)) break;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await trace("leave", "w", command);
    const now = await readHolder(marker);
    if (now?.nonce === nonce) await fs.rm(marker, { force: true });
  };
  // A live shared holder (a bundle reading the tree) keeps writers out: it registered before this
  // process took the marker, or it will see the marker and refuse.
  const reader = (await liveMembers(root, "r"))[0];
  if (reader) {
    released = true;
    await fs.rm(marker, { force: true });
    throw readerError(reader);
  }
  await trace("enter", "w", command);
  const record = async (journal: JournalEntry[]) => {
    // Written beside and renamed over the marker, so the marker is never torn.
    const j = await writeHelper(root, "j", JSON.stringify({ pid: process.pid, command, nonce, journal } satisfies Holder) + "\n");
    await fs.rename(j, marker);
  };
  return Object.assign(release, { record });
}

/**
 * Takes a shared hold for a command that reads the tree to build an artefact (`bundle`): it waits
 * for no writer, and no writer enters until it is released. Several shared holds coexist.
 *
 * A root where the registration cannot be written (a read-only checkout) is read without one: no
 * writer can take the marker there either.
 *
 * @returns the release function (idempotent).
 * @throws UserError when a live writer holds the marker, or a killed one left its commit half done.
 */
export async function acquireShared(root: string, command: string): Promise<() => Promise<void>> {
  await removeDeadMembers(root).catch(() => undefined);
  let registration: string | null = null;
  try {
    registration = await writeHelper(root, "r", "", command);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw err;
  }
  const drop = async () => {
    if (registration) await fs.rm(registration, { force: true });
    registration = null;
  };
  const holder = await readHolder(path.join(root, BUSY_FILE));
  if (holder && processAlive(holder.pid)) {
    await drop();
    throw busyError(holder);
  }
  if (holder && Array.isArray(holder.journal) && holder.journal.length > 0) {
    await drop();
    throw new UserError(`an interrupted ${holder.command} left its changes half written; run npx create-mcp-monorepo sync to finish them`);
  }
  await trace("enter", "r", command);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await trace("leave", "r", command);
    await drop();
  };
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
