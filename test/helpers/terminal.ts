import { PassThrough } from "node:stream";
import type { Context } from "../../src/kernel/context.js";

export const ENTER = "\r";
export const DOWN = "\x1b[B";
export const UP = "\x1b[A";
export const CTRL_C = "\x03";
export const BACKSPACE = "\x7f";

/**
 * A scripted terminal for driving the real @clack/prompts through an injected
 * context: `answer(text, keys)` waits (up to 10 s) until `text` appears on the
 * screen after the previous answer, then types `keys` one at a time.
 */
export function terminal(cwd: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let screen = "";
  let consumed = 0;
  stdout.on("data", (d) => (screen += String(d)));
  stderr.on("data", (d) => (screen += String(d)));
  const ctx: Context = { cwd, stdin, stdout, stderr, interactive: true, env: {}, now: () => new Date(0) };
  return {
    ctx,
    screen: () => screen,
    async answer(text: string, keys: string[]) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const at = screen.indexOf(text, consumed);
        if (at !== -1) {
          consumed = at + text.length;
          break;
        }
        if (Date.now() > deadline) throw new Error(`prompt "${text}" never appeared; screen:\n${screen}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const k of keys) {
        stdin.write(k);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}
