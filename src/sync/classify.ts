import type { VendoredState } from "../monorepo/vendor.js";
import type { FileFingerprint, VendoredDecision, VendoredPlan } from "./types.js";

/**
 * The per-file rules of `sync`, as a pure function of three
 * fingerprint maps: canonical `shared/`, the lock entry, and the vendored folder.
 */

/**
 * The part of a file mode sync compares: the executable bit only. Git records
 * only 0644/0755 and checkouts apply the umask, so comparing all bits would
 * report false drift on a fresh clone.
 *
 * @returns `0o755` when any execute bit is set, else `0o644`.
 */
export function comparableMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** True when two fingerprints have the same bytes and the same executable bit. */
export function sameFile(a: FileFingerprint | undefined, b: FileFingerprint | undefined): boolean {
  return a !== undefined && b !== undefined && a.sha256 === b.sha256 && comparableMode(a.mode) === comparableMode(b.mode);
}

/** Inputs of {@link planVendoredFiles}; every map is keyed by POSIX path relative to `shared/` (= relative to `src/shared/`). */
export interface VendoredInputs {
  /** Files of the canonical package that are vendored. */
  canonical: Map<string, FileFingerprint>;
  /** The server's lock entry (what sync last wrote), or undefined when the lock has none. */
  lock: VendoredState | undefined;
  /** Vendorable files now in the server's `src/shared/` (never-vendored junk and transient names excluded). */
  disk: Map<string, FileFingerprint>;
  /** Turn conflicts into forced overwrites / removals. */
  force: boolean;
}

/**
 * Decides, per file, what sync does to one server's vendored copy.
 *
 * Rules (canonical C, lock L, disk D; "=" compares bytes and executable bit):
 * - C, D = C → unchanged (adopt when L is missing or different: no false conflict after a lost lock or a killed run);
 * - C, no D → create (a vendored file deleted by hand is restored: nothing is lost, canonical has it);
 * - C, D = L ≠ C → update (canonical changed since the last sync);
 * - C, D ≠ L, D ≠ C → conflict (edited by hand, or never written by sync when L is missing); forced-update with `force`;
 * - no C, L, D = L → delete (removed from canonical; sync wrote it);
 * - no C, L, D ≠ L → conflict (removed from canonical but edited by hand); forced-delete with `force`;
 * - no C, no L, D → unmanaged (never written by sync; never touched, even with `force`);
 * - no C, L, no D → nothing (dropped from the lock).
 *
 * @returns decisions sorted by path, and the lock entry to record if they are applied:
 *   canonical fingerprints for files that end up canonical (keeping the old entry when only
 *   mode noise differs), the old entry for unforced conflicts, nothing for unmanaged files.
 */
export function planVendoredFiles(inputs: VendoredInputs): VendoredPlan {
  const { canonical, disk, force } = inputs;
  const locked = inputs.lock?.files ?? {};
  const paths = new Set<string>([...canonical.keys(), ...Object.keys(locked), ...disk.keys()]);
  const decisions: VendoredDecision[] = [];
  const files: VendoredState["files"] = {};
  const record = (p: string, fp: FileFingerprint) => {
    const old = locked[p];
    files[p] = old && sameFile(old, fp) ? old : { sha256: fp.sha256, mode: fp.mode };
  };
  for (const p of [...paths].sort()) {
    const c = canonical.get(p);
    const l = locked[p];
    const d = disk.get(p);
    if (c) {
      if (d && sameFile(d, c)) {
        decisions.push({ path: p, action: l && sameFile(l, c) ? "unchanged" : "adopt" });
        record(p, c);
      } else if (!d) {
        decisions.push({ path: p, action: "create", reason: l ? "deleted from the vendored copy by hand; restored" : undefined });
        record(p, c);
      } else if (l && sameFile(d, l)) {
        decisions.push({ path: p, action: "update" });
        record(p, c);
      } else {
        const reason = conflictReason(d, l);
        if (force) {
          decisions.push({ path: p, action: "forced-update", reason });
          record(p, c);
        } else {
          decisions.push({ path: p, action: "conflict", reason });
          if (l) files[p] = l;
        }
      }
    } else if (l) {
      if (!d) continue;
      if (sameFile(d, l)) {
        decisions.push({ path: p, action: "delete" });
      } else if (force) {
        decisions.push({ path: p, action: "forced-delete", reason: "removed from shared/ but edited by hand since the last sync" });
      } else {
        decisions.push({ path: p, action: "conflict", reason: "removed from shared/ but edited by hand since the last sync" });
        files[p] = l;
      }
    } else if (d) {
      decisions.push({ path: p, action: "unmanaged", reason: "not written by sync and not in shared/; left alone" });
    }
  }
  return { decisions, lockState: { files } };
}

function conflictReason(d: FileFingerprint, l: FileFingerprint | undefined): string {
  if (!l) return "differs from shared/ and sync has no record of writing it";
  if (d.sha256.startsWith("symlink:")) return "replaced by a symlink by hand since the last sync";
  if (d.sha256 === l.sha256) return `mode changed by hand since the last sync (${octal(l.mode)} → ${octal(d.mode)})`;
  return "edited by hand since the last sync";
}

function octal(mode: number): string {
  return "0" + (mode & 0o777).toString(8);
}

/**
 * True when two lock entries describe the same vendored state (same paths,
 * hashes and executable bits), so rewriting the lock would change nothing that matters.
 */
export function sameVendoredState(a: VendoredState | undefined, b: VendoredState | undefined): boolean {
  const af = a?.files ?? {};
  const bf = b?.files ?? {};
  const ak = Object.keys(af);
  if (ak.length !== Object.keys(bf).length) return false;
  return ak.every((k) => sameFile(af[k], bf[k]));
}
