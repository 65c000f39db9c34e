/**
 * True when a process with this pid exists (not this process itself: its own leftovers are never
 * live). `kill(pid, 0)` sends no signal and only checks (POSIX kill(2)); EPERM means the process
 * exists but belongs to another user.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A pid as the 8 lower-case hex digits the transient names of this package end in. */
export function pidHex(pid: number = process.pid): string {
  return (pid >>> 0).toString(16).padStart(8, "0").slice(-8);
}
