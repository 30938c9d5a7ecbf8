/**
 * The pieces of a cold read on two cores: a plain range of a session file is
 * cut into pieces of about {@linkcode PIECE_BYTES}, each starting at a line
 * start, and the main thread and a worker each take the next piece when they
 * are done with one (a shared counter), so neither waits for the other
 * whatever the worker's start-up time or the machine's load. Each piece is
 * summarised into a partial state; the states combine in piece order (see
 * `session_aggregate.ts`).
 *
 * Both threads compute the same boundaries from the file's bytes. Imports
 * nothing from `node:` (a worker would pay for loading Node compatibility).
 *
 * @module
 */
import { readInto, SummaryState } from "../execution/wire/summary_state.ts";
import {
  type PositionalReader,
  readFully,
  readFullySync,
} from "../execution/wire/positional_reader.ts";

/** Bytes per piece: a few milliseconds of work, so the two threads finish close together. */
export const PIECE_BYTES = 8 * 1024 * 1024;
/** Bytes looked at first for the newline that ends a piece (events are a few hundred bytes). */
const BOUNDARY_WINDOW_BYTES = 4 * 1024;
/** Largest window when a line goes on (windows double). */
const MAX_BOUNDARY_WINDOW_BYTES = 1024 * 1024;
const LF = 0x0a;

/** How many pieces the range `[from, size)` has. */
export function pieceCount(from: number, size: number): number {
  return Math.max(0, Math.ceil((size - from) / PIECE_BYTES));
}

function readAt(reader: PositionalReader, position: number, into: Uint8Array): Promise<number> {
  return reader.readSync !== undefined
    ? Promise.resolve(readFullySync(reader as Required<PositionalReader>, position, into))
    : readFully(reader, position, into);
}

/**
 * Where piece `index` of `[from, size)` starts: `from` for the first; else
 * the first line start at or after its nominal offset, `size` when there is
 * none (a piece may be empty).
 */
export async function pieceStart(
  reader: PositionalReader,
  from: number,
  size: number,
  index: number,
): Promise<number> {
  if (index === 0) return from;
  const nominal = from + index * PIECE_BYTES;
  if (nominal >= size) return size;
  let window = new Uint8Array(BOUNDARY_WINDOW_BYTES);
  // From the byte before: a newline there makes the nominal offset itself a line start.
  for (let at = nominal - 1; at < size;) {
    const n = await readAt(reader, at, window.subarray(0, Math.min(window.length, size - at)));
    if (n === 0) break;
    const nl = window.subarray(0, n).indexOf(LF);
    if (nl !== -1) return at + nl + 1;
    at += n;
    if (window.length < MAX_BOUNDARY_WINDOW_BYTES) window = new Uint8Array(2 * window.length);
  }
  return size;
}

/**
 * Summarise piece `index` of `[from, size)` into a partial state (its
 * `consumed`: after its last complete line), or `null` when it is empty.
 */
export async function readPiece(
  reader: PositionalReader,
  from: number,
  size: number,
  index: number,
): Promise<SummaryState | null> {
  const start = await pieceStart(reader, from, size, index);
  const end = await pieceStart(reader, from, size, index + 1);
  if (end <= start) return null;
  const state = new SummaryState(true);
  state.consumed = start;
  await readInto(reader, state, end);
  return state;
}
