/**
 * One central session file that `collect` appends batches to, exactly once:
 * under an exclusive lock on the file (so several collectors on one central
 * root never interleave), it knows the key of the last line already written
 * (from its own last write, or read back from the file when another process
 * wrote since), writes only the lines of a batch that come after it, and
 * says when a batch does not follow on (a gap). The central file rotates
 * into segments like a local one (same layout, same manifest).
 *
 * @module
 */
import type { FleetBatch } from "../execution/fleet/batch_message.ts";
import { compareLineKeys, type LineKey } from "../execution/fleet/line_key.ts";
import { sessionFilePath } from "../execution/log_root.ts";
import { closeActiveFileSync } from "../execution/telemetry/rotation.ts";
import { centralTailKey } from "./central_tail_key.ts";

const LF = 0x0a;
/** Reopens of a path that keeps naming another file under the lock, before giving up. */
const REOPEN_ATTEMPTS = 5;

/** What happened to a batch. */
export interface AppendOutcome {
  /** Lines written. */
  written: number;
  /** Bytes written. */
  bytes: number;
  /** Lines already in the file (a redelivery, or a batch cut differently after a restart). */
  duplicates: number;
  /** Lines whose key went backwards inside the batch (skipped). */
  outOfOrder: number;
  /** When the batch did not follow on: the key it should have followed, and its first key. */
  gap: { after: LineKey; first: LineKey } | null;
  /** Bytes of a torn last line removed before writing (a collector died mid-write). */
  repairedBytes: number;
  /** The index of the segment the file was closed into after this write, or `null`. */
  rotatedInto: number | null;
}

/** Whether to write a batch that does not follow on now, or wait for what is missing. */
export type GapDecision = "write" | "wait";

/** A central file that is not a regular file (a link, a FIFO): never written. */
export class UnsafeCentralFileError extends Error {
  /** `path` names the refused file. */
  constructor(path: string) {
    super(`${path} is not a regular file; refusing to write through it`);
    this.name = "UnsafeCentralFileError";
  }
}

/** The line before `first` when it is known from the batch alone, else `null`. */
function keyBefore(batch: FleetBatch): LineKey | null {
  if (batch.prevKey !== null) return batch.prevKey;
  return batch.firstKey.n > 0 ? { seq: batch.firstKey.seq, n: batch.firstKey.n - 1 } : null;
}

/** Whether `batch` leaves lines out after `position` (it should start right after it). */
export function isGap(batch: FleetBatch, position: LineKey): boolean {
  const before = keyBefore(batch);
  if (before !== null) return compareLineKeys(before, position) > 0;
  return batch.firstKey.seq > position.seq + 1;
}

/** Appends batches to `<root>/<id>.jsonl` exactly once (see the module documentation). */
export class CentralSessionFile {
  readonly #baseDir: string;
  readonly #id: string;
  readonly #path: string;
  readonly #rotateBytes: number;
  #file: Deno.FsFile | null = null;
  #ino: number | null = null;
  /** The file's size after our last write, and the key of its last line then. */
  #size = -1;
  #position: LineKey | null = null;
  #unsynced = false;

  /** The central session `id` in `baseDir`, rotating at `rotateBytes`. */
  constructor(baseDir: string, id: string, rotateBytes: number) {
    this.#baseDir = baseDir;
    this.#id = id;
    this.#path = sessionFilePath(baseDir, id);
    this.#rotateBytes = rotateBytes;
  }

  /** The central session id. */
  get id(): string {
    return this.#id;
  }

  /**
   * Append the lines of `batch` that come after the file's last line. When
   * the batch does not follow on, `onGap` decides: `"wait"` writes nothing
   * and returns `"wait"`.
   */
  async append(
    batch: FleetBatch,
    onGap: (position: LineKey) => GapDecision,
  ): Promise<AppendOutcome | "wait"> {
    const file = await this.#openLocked();
    try {
      const outcome: AppendOutcome = {
        written: 0,
        bytes: 0,
        duplicates: 0,
        outOfOrder: 0,
        gap: null,
        repairedBytes: 0,
        rotatedInto: null,
      };
      let size = file.statSync().size;
      // A file we left at this size ended with a complete line; anything else is checked.
      if (size > 0 && size !== this.#size) {
        const repaired = this.#repairTornTail(file, size);
        outcome.repairedBytes = size - repaired;
        size = repaired;
      }
      let position = this.#position;
      if (position === null || size !== this.#size) {
        position = await centralTailKey(this.#baseDir, this.#id);
      }
      this.#position = position;
      this.#size = size;
      if (compareLineKeys(batch.lastKey, position) <= 0) {
        outcome.duplicates = batch.lines;
        return outcome;
      }
      if (isGap(batch, position)) {
        if (onGap(position) === "wait") return "wait";
        outcome.gap = { after: position, first: batch.firstKey };
      }
      const { bytes, last } = this.#select(batch, position, outcome);
      for (let done = 0; done < bytes.length;) {
        done += file.writeSync(bytes.subarray(done));
      }
      this.#unsynced = true;
      this.#size = size + bytes.length;
      this.#position = last;
      outcome.bytes = bytes.length;
      if (this.#size >= this.#rotateBytes) outcome.rotatedInto = this.#rotate(file);
      return outcome;
    } finally {
      this.#unlock();
    }
  }

  /** The lines of `batch` after `position`, and the key of the last one. */
  #select(
    batch: FleetBatch,
    position: LineKey,
    outcome: AppendOutcome,
  ): { bytes: Uint8Array; last: LineKey } {
    const { scan, body } = batch;
    if (scan.ascending) {
      // HOT PATH: keys rise, so the new lines are a suffix of the body (usually all of it).
      let k = 0;
      while (
        k < scan.count && compareLineKeys({ seq: scan.seqs[k], n: scan.ns[k] }, position) <= 0
      ) {
        k++;
      }
      outcome.duplicates = k;
      outcome.written = scan.count - k;
      return { bytes: body.subarray(k === 0 ? 0 : scan.ends[k - 1]), last: batch.lastKey };
    }
    const kept: Uint8Array[] = [];
    let total = 0;
    let last = position;
    for (let k = 0; k < scan.count; k++) {
      const key = { seq: scan.seqs[k], n: scan.ns[k] };
      if (compareLineKeys(key, last) <= 0) {
        if (compareLineKeys(key, position) <= 0) outcome.duplicates++;
        else outcome.outOfOrder++;
        continue;
      }
      const line = body.subarray(k === 0 ? 0 : scan.ends[k - 1], scan.ends[k]);
      kept.push(line);
      total += line.length;
      last = key;
      outcome.written++;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const line of kept) {
      bytes.set(line, at);
      at += line.length;
    }
    return { bytes, last };
  }

  /**
   * A file that does not end with `\n` lost the end of a write (a crash, a
   * full disk): cut it back to its last complete line. The batch is still
   * in the stream, unacknowledged, and is written again. Returns the size.
   */
  #repairTornTail(file: Deno.FsFile, size: number): number {
    const last = new Uint8Array(1);
    file.seekSync(size - 1, Deno.SeekMode.Start);
    if (file.readSync(last) === 1 && last[0] === LF) return size;
    const tail = new Uint8Array(Math.min(size, 64 * 1024));
    let end = size;
    for (;;) {
      const start = Math.max(0, end - tail.length);
      const view = tail.subarray(0, end - start);
      file.seekSync(start, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < view.length) {
        const n = file.readSync(view.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      if (end === size && view[filled - 1] === LF) return size;
      const nl = view.subarray(0, filled).lastIndexOf(LF);
      if (nl !== -1 || start === 0) {
        const keep = nl === -1 ? 0 : start + nl + 1;
        file.truncateSync(keep);
        return keep;
      }
      end = start;
    }
  }

  /** Close the file into the session's next segment (under the lock); returns its index. */
  #rotate(file: Deno.FsFile): number | null {
    this.sync();
    const closed = closeActiveFileSync(
      this.#baseDir,
      this.#id,
      this.#path,
      file,
      this.#size,
      "size",
      null,
    );
    // The next append creates the new active file; its size (0) differs from ours.
    this.#size = -1;
    return closed.index;
  }

  /** Open the path and lock it; reopen when another process rotated it meanwhile. */
  async #openLocked(): Promise<Deno.FsFile> {
    for (let attempt = 0; attempt < REOPEN_ATTEMPTS; attempt++) {
      if (this.#file === null) {
        let info: Deno.FileInfo | null = null;
        try {
          info = Deno.lstatSync(this.#path);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
        if (info !== null && !info.isFile) throw new UnsafeCentralFileError(this.#path);
        Deno.mkdirSync(this.#baseDir, { recursive: true });
        this.#file = Deno.openSync(this.#path, {
          read: true,
          append: true,
          create: true,
          mode: 0o644,
        });
        this.#ino = this.#file.statSync().ino;
      }
      await this.#file.lock(true);
      let current: number | null = null;
      try {
        current = Deno.lstatSync(this.#path).ino;
      } catch {
        // removed or renamed: reopen
      }
      if (current !== null && current === this.#ino) return this.#file;
      this.#close();
    }
    throw new Error(`${this.#path} keeps being replaced while collect opens it`);
  }

  #unlock(): void {
    try {
      this.#file?.unlockSync();
    } catch {
      // closed by a rotation: the lock went with it
    }
    if (this.#size === -1) this.#close(); // rotated: the next append opens the new file
  }

  /** fdatasync what was written since the last call. */
  sync(): void {
    if (!this.#unsynced || this.#file === null) return;
    this.#file.syncDataSync();
    this.#unsynced = false;
  }

  #close(): void {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = null;
    this.#ino = null;
    this.#position = null; // another file now: read its last key again
  }

  /** Sync and close the file. */
  close(): void {
    try {
      this.sync();
    } finally {
      this.#close();
    }
  }
}
