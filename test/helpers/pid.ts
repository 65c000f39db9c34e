import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * A pid no process has, for a marker "left by a killed run". Above the kernel's `pid_max`
 * (/proc/sys/kernel/pid_max) no pid is ever handed out; a pid of a process that just exited (the
 * fallback elsewhere) can be given to another process while a busy test suite runs (pid_max is
 * 32768 here), which would make the marker look alive.
 */
export async function deadPid(): Promise<number> {
  try {
    const max = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8").trim());
    if (Number.isInteger(max) && max > 0) return max + 1;
  } catch {
    // Not Linux: fall through.
  }
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}
