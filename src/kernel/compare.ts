/**
 * Orders two strings by UTF-16 code units (`"B" < "_" < "a"`), the same on every machine.
 *
 * Every sorted list the CLI prints or writes (plans, `--json` file lists, lock entries, findings)
 * uses this rather than `String.prototype.localeCompare`, whose order follows the process's locale
 * (`LANG=tr_TR.UTF-8` sorts `i`/`I` differently) and whose first call loads ICU collation data
 * (~20 ms of a 3-server `create` on the 2-core dev machine, bench/README.md).
 *
 * @returns negative, zero or positive, as `Array.prototype.sort` expects.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
