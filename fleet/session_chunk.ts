/**
 * Reading a session for shipping: the complete lines from a logical offset,
 * out of whichever part holds it (a closed segment, plain or compressed, the
 * active file, or a whole-session archive). A chunk never crosses a part
 * (rotation closes a segment after a complete line), never ends inside a
 * line, and never holds a torn tail of the active file.
 *
 * @module
 */
import { readFully } from "../execution/wire/positional_reader.ts";
import type { SessionPart, SessionView } from "../live/session_view.ts";

const LF = 0x0a;

/** What {@linkcode readSessionChunk} found at an offset. */
export type SessionChunk =
  /** Complete lines `[start, end)`. */
  | { kind: "lines"; start: number; end: number; bytes: Uint8Array }
  /** Nothing new (at the end, or only a torn tail). */
  | { kind: "none" }
  /** The bytes `[start, end)` are gone (deleted before they were shipped). */
  | { kind: "deleted"; start: number; end: number }
  /** The session ends before `start`: it was truncated or replaced. */
  | { kind: "shrunk"; start: number; end: number }
  /** One line `[start, end)` longer than the chunk size (skipped: too large for a message). */
  | { kind: "long-line"; start: number; end: number };

/** The part holding logical offset `position` (the last one starting at or before it). */
function partAt(view: SessionView, position: number): SessionPart | null {
  let found: SessionPart | null = null;
  for (const part of view.parts) {
    if (part.start <= position) found = part;
    else break;
  }
  return found;
}

/**
 * The complete lines of `view` from logical offset `from`, at most
 * `maxBytes` of them, from one part.
 */
export async function readSessionChunk(
  view: SessionView,
  from: number,
  maxBytes: number,
): Promise<SessionChunk> {
  if (!view.found) return { kind: "none" };
  if (from < view.firstStart) return { kind: "deleted", start: from, end: view.firstStart };
  if (from > view.end) return { kind: "shrunk", start: from, end: view.end };
  let part = partAt(view, from);
  if (part === null) return { kind: "none" };
  if (from >= part.start + part.size) {
    // At the end of a closed part: the next one (a hole between parts was deleted data).
    const next = view.parts[view.parts.indexOf(part) + 1];
    if (next === undefined) return { kind: "none" };
    if (next.start > from) return { kind: "deleted", start: from, end: next.start };
    part = next;
  }
  const local = from - part.start;
  const length = Math.min(maxBytes, part.size - local);
  if (length <= 0) return { kind: "none" };
  const reader = view.openPart(part);
  if (reader === null) return { kind: "none" }; // deleted meanwhile: the next look sees it
  try {
    const buffer = new Uint8Array(length);
    const filled = await readFully(reader, local, buffer);
    const bytes = buffer.subarray(0, filled);
    const cut = bytes.lastIndexOf(LF) + 1;
    if (cut > 0) {
      return { kind: "lines", start: from, end: from + cut, bytes: bytes.subarray(0, cut) };
    }
    if (filled < maxBytes) return { kind: "none" }; // a torn tail: wait for its newline
    // A line longer than a chunk: find where it ends and skip it.
    for (let at = local + filled;;) {
      const block = new Uint8Array(1024 * 1024);
      const n = await readFully(reader, at, block);
      if (n === 0) return { kind: "none" };
      const nl = block.subarray(0, n).indexOf(LF);
      if (nl !== -1) return { kind: "long-line", start: from, end: part.start + at + nl + 1 };
      at += n;
    }
  } finally {
    reader.close();
  }
}
