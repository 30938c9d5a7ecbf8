/**
 * Where an incremental reader stopped in a session, and whether a later look
 * at the session continues from there. A position is a logical offset (see
 * `session_view.ts`); what held it is remembered beside it, so that growth
 * and rotation (the bytes read stay where they were, in a closed segment now)
 * are told apart from a truncated, rewritten or replaced session (read again
 * from the start). The running aggregates and the health windows use this one
 * rule. Internal: not part of the public API.
 *
 * @module
 */
import { fingerprintAt, sameBytes } from "./session_file.ts";
import type { SessionView } from "./session_view.ts";

/**
 * What held a position: the active file (identity, logical start, and the up
 * to 64 bytes before the position in it), or a whole-session archive, or
 * closed segments only.
 *
 * @example
 * ```ts ignore
 * const mark = await markPosition(view, 4096);
 * // later, on a new view of the same session:
 * if (await continuesFrom(later, mark, 4096)) console.log("read on from 4096");
 * ```
 */
export interface SessionMark {
  /** The active file when the mark was made, or `null`. */
  active: { ino: number; dev: number; base: number } | null;
  /** The archive's identity when the session was a whole-session archive, or `null`. */
  archive: string | null;
  /** The bytes of the active file just before the position (empty when it is not inside it). */
  fingerprint: Uint8Array;
}

function archiveIdentity(view: SessionView): string | null {
  const s = view.archiveStat;
  return s === null ? null : `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
}

/**
 * The mark of logical offset `position` in `view` (to be checked by
 * {@linkcode continuesFrom} on a later view).
 */
export function markPosition(view: SessionView, position: number): SessionMark {
  const archive = archiveIdentity(view);
  if (archive !== null) return { active: null, archive, fingerprint: new Uint8Array(0) };
  const part = view.activePart;
  const stat = view.activeStat;
  if (part === null || stat === null) {
    return { active: null, archive: null, fingerprint: new Uint8Array(0) };
  }
  const local = position - part.start;
  return {
    active: { ino: stat.ino, dev: stat.dev, base: part.start },
    archive: null,
    fingerprint: local > 0 ? fingerprintAt(view.active!, local) : new Uint8Array(0),
  };
}

/**
 * Whether `view` still holds every byte before `position` as it was when
 * `mark` was made, so that reading on from `position` counts nothing twice
 * and misses nothing:
 *
 * - the session is not shorter than `position`;
 * - the same active file (same identity and start) whose bytes before the
 *   position did not change; or a rotation since: a new active file that
 *   starts further on, at or after the position (the old file is a closed
 *   segment now, and closed segments never change); or no active file any
 *   more (closed segments or an archive of the same bytes left);
 * - an archive read before is still the same file.
 */
export function continuesFrom(
  view: SessionView,
  mark: SessionMark,
  position: number,
): boolean {
  if (view.end < position) return false; // truncated, or another, shorter session
  if (mark.archive !== null) return archiveIdentity(view) === mark.archive;
  const part = view.activePart;
  const stat = view.activeStat;
  if (part === null || stat === null) return true; // only closed parts now: they never change
  const held = mark.active;
  if (held === null) return part.start >= position; // a new active file after closed segments
  if (stat.ino === held.ino && stat.dev === held.dev && part.start === held.base) {
    const local = position - held.base;
    if (local <= 0) return true;
    return sameBytes(fingerprintAt(view.active!, local), mark.fingerprint);
  }
  // Another active file: a rotation moves the start on (past what was read); a replacement does not.
  return part.start > held.base && part.start >= position;
}
