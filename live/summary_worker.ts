/**
 * Worker of a cold read: takes pieces of a plain range of a session file (the
 * active file or a plain segment) from the counter it shares with the main
 * thread, summarises each and posts its totals back (see `summary_pieces.ts`
 * and `session_aggregate.ts`).
 *
 * Opens the file with Deno's own API (importing `node:fs` would add ~20 ms to
 * the worker's start) and claims a piece only once it holds the very file the
 * main thread holds, so a file that cannot be opened costs the main thread
 * nothing: it takes every piece itself.
 *
 * @module
 */
import type { PositionalReader } from "../execution/wire/positional_reader.ts";
import { pieceCount, readPiece } from "./summary_pieces.ts";

/** What the main thread asks of the worker (same inode as the file it holds). */
interface PiecesRequest {
  path: string;
  ino: number;
  dev: number;
  /** The range, in offsets of the file. */
  from: number;
  size: number;
  /** One Int32: the next piece to claim. */
  counter: SharedArrayBuffer;
}

/** What the worker posts: a piece's totals (`null`: empty), a failure, or that it is done. */
export type PieceMessage =
  | { piece: number; state: Record<string, unknown> | null }
  | { piece: number; error: string }
  | { done: true; error?: string };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<PiecesRequest>) => void) | null;
  postMessage(message: PieceMessage): void;
};

/** Open `path` only if it is still the regular file (inode, device) the main thread holds. */
function openSame(path: string, ino: number, dev: number): Deno.FsFile {
  // lstat first: a link or a FIFO swapped in under the name is never opened (no blocking).
  const before = Deno.lstatSync(path);
  if (!before.isFile || before.ino !== ino || before.dev !== dev) {
    throw new Error(`${path} was replaced or rotated`);
  }
  const file = Deno.openSync(path, { read: true });
  const after = file.statSync();
  if (!after.isFile || after.ino !== ino || after.dev !== dev) {
    file.close();
    throw new Error(`${path} was replaced or rotated`);
  }
  return file;
}

/** The file as a reader that may block (this worker does nothing else meanwhile). */
function blockingReader(file: Deno.FsFile): PositionalReader {
  const readSync = (position: number, into: Uint8Array): number => {
    file.seekSync(position, Deno.SeekMode.Start);
    return file.readSync(into) ?? 0;
  };
  return { readSync, read: (position, into) => Promise.resolve(readSync(position, into)) };
}

scope.onmessage = async (event: MessageEvent<PiecesRequest>): Promise<void> => {
  const { path, ino, dev, from, size } = event.data;
  let file: Deno.FsFile;
  try {
    file = openSame(path, ino, dev);
  } catch (err) {
    scope.postMessage({ done: true, error: String(err) });
    return;
  }
  using _file = file;
  const reader = blockingReader(file);
  const counter = new Int32Array(event.data.counter);
  const count = pieceCount(from, size);
  for (let piece = Atomics.add(counter, 0, 1); piece < count; piece = Atomics.add(counter, 0, 1)) {
    try {
      const state = await readPiece(reader, from, size, piece);
      scope.postMessage({ piece, state: state === null ? null : state.toJSON() });
    } catch (err) {
      // The main thread reads this piece (and every one not claimed yet) itself.
      scope.postMessage({ piece, error: String(err) });
      break;
    }
  }
  scope.postMessage({ done: true });
};
