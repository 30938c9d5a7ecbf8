/**
 * `SessionFile`: one session's JSONL file and everything that is true of it:
 * the safe open (no symlinks, reopened when removed or replaced), the last
 * `seq` handed out, whether the file ends inside a line, and the locked
 * append that catches up with other writers and repairs a torn tail.
 *
 * Every byte reaches the file through {@linkcode SessionFile.ensureOpen} and
 * {@linkcode SessionFile.writeSync}, so a policy that changes which file a
 * session writes to (rotation into segments) belongs in this class.
 *
 * @module
 */
import type { BatchEncoder } from "./batch_encoder.ts";
import type { LineBatch } from "./line_batch.ts";
import type { LoggerSettings } from "./options.ts";
import { describeError, type ProblemReporter } from "./problem_reporter.ts";
import type { TelemetryCounters } from "./stats.ts";
import { readTailState } from "./tail_state.ts";
import type { QueuedItem } from "./queued_item.ts";

/** Attempts to finish one batch after short writes, before it is treated as an error. */
const MAX_SHORT_WRITES = 8;
const NEWLINE = 0x0a;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

/** The path resolves to something we must not write through (a symlink, a swapped file). */
export class UnsafeSessionFileError extends Error {
  /** Say which path was refused and why. */
  constructor(path: string, why: string) {
    super(`refusing to write ${path}: ${why}`);
    this.name = "UnsafeSessionFileError";
  }
}

/** What the session files of one logger share. */
export interface SessionFileContext {
  readonly settings: LoggerSettings;
  readonly encoder: BatchEncoder;
  readonly counters: TelemetryCounters;
  readonly reporter: ProblemReporter;
}

/** An open session file: the descriptor, its identity, and the stream that appends batches. */
interface OpenFile {
  readonly file: Deno.FsFile;
  readonly ino: number | null;
  readonly dev: number;
  readonly writer: WritableStreamDefaultWriter<LineBatch>;
}

/**
 * One session's log file. Batches are written in order through one
 * `WritableStream` per open descriptor (see {@linkcode SessionFile.write}),
 * or synchronously on the exit path ({@linkcode SessionFile.writeSync}).
 */
export class SessionFile {
  readonly #context: SessionFileContext;
  /** Last seq handed out for this file. */
  #seq = 0;
  /** The file ends inside a line (a crash or a short write): the next write starts with `\n`. */
  #torn = false;
  /** Size of the file after our last write: if it differs, another process appended. */
  #size = 0;
  #open: OpenFile | null = null;

  /** A session file at `path`; nothing is opened before the first write. */
  constructor(readonly sessionId: string, readonly path: string, context: SessionFileContext) {
    this.#context = context;
  }

  /** Whether a descriptor is open. */
  get isOpen(): boolean {
    return this.#open !== null;
  }

  /**
   * Open the file if needed (synchronously: once per file, off the emit path),
   * refusing symlinks and anything but a regular file, and reopen it when it
   * was removed or replaced since. `beforeOpen` runs before a new descriptor
   * is opened (to respect the open-file cap). On opening, the file's tail
   * gives the last `seq` and whether it ends inside a line.
   *
   * @throws {UnsafeSessionFileError} when the path is a symlink or is swapped while opened.
   */
  ensureOpen(beforeOpen: () => void): void {
    if (this.#open !== null) {
      let current: Deno.FileInfo | null = null;
      try {
        current = Deno.lstatSync(this.path);
      } catch {
        // Removed (with its directory, perhaps): reopen below.
      }
      if (current !== null && current.ino === this.#open.ino && current.dev === this.#open.dev) {
        return;
      }
      this.closeSync();
    }
    beforeOpen();
    Deno.mkdirSync(this.#context.settings.baseDir, { recursive: true });
    let before: Deno.FileInfo | null = null;
    try {
      before = Deno.lstatSync(this.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (before !== null) {
      if (before.isSymlink) throw new UnsafeSessionFileError(this.path, "it is a symbolic link");
      if (!before.isFile) throw new Error(`${this.path} exists and is not a regular file`);
    }
    // createNew (O_EXCL) never follows a symlink planted after the check above.
    const file = Deno.openSync(this.path, {
      read: true,
      append: true,
      create: before === null,
      createNew: before === null,
    });
    let info: Deno.FileInfo;
    try {
      info = file.statSync();
      const after = Deno.lstatSync(this.path);
      if (after.isSymlink || after.ino !== info.ino || after.dev !== info.dev) {
        throw new UnsafeSessionFileError(this.path, "the file was replaced while it was opened");
      }
      const tail = readTailState(file, info.size);
      this.#seq = Math.max(this.#seq, tail.lastSeq);
      this.#torn = !tail.endsWithNewline;
      this.#size = info.size;
    } catch (error) {
      file.close();
      throw error;
    }
    this.#open = {
      file,
      ino: info.ino,
      dev: info.dev,
      writer: this.#streamFor(file).getWriter(),
    };
  }

  /**
   * Encode `items[from, end)` (up to `maxBytes`) as the next lines of this
   * file, numbered after the last seq handed out.
   */
  nextBatch(items: QueuedItem[], from: number, end: number, maxBytes: number): LineBatch {
    const batch = this.#context.encoder.encode(
      this.sessionId,
      items,
      from,
      end,
      this.#seq,
      maxBytes,
    );
    this.#seq = batch.seqAfter;
    return batch;
  }

  /**
   * After a failed write: only the complete lines of `batch` keep their
   * numbers; the rest are numbered again when they are retried.
   */
  keepWritten(batch: LineBatch): void {
    this.#seq = batch.seqBefore + batch.completeLines();
  }

  /**
   * Hand a batch to the file's stream (the file must be open); resolves when
   * it was written (and, with `fsync`, synced) or has failed (`batch.error`).
   */
  write(batch: LineBatch): Promise<void> {
    return this.#open!.writer.write(batch);
  }

  /** Append a batch now, from `batch.written` on (the exit path); sets `written` and `error`. */
  writeSync(batch: LineBatch): void {
    this.#appendSync(this.#open!.file, batch);
  }

  /** `fdatasync` the open file (the exit path). */
  syncDataSync(): void {
    this.#open!.file.syncDataSync();
  }

  /** Close the file after the batches already handed to its stream. */
  async close(): Promise<void> {
    const open = this.#open;
    this.#open = null;
    if (open === null) return;
    try {
      // The stream's close also closes the file.
      await open.writer.close();
    } catch {
      // The file is gone with the stream either way.
    }
  }

  /** Close the file now (a reopen, or the open-file cap). */
  closeSync(): void {
    const open = this.#open;
    this.#open = null;
    if (open === null) return;
    try {
      open.file.close();
    } catch {
      // Already closed.
    }
    open.writer.releaseLock();
  }

  /** The descriptor's stream: each chunk is a batch of whole lines, appended in one write. */
  #streamFor(file: Deno.FsFile): WritableStream<LineBatch> {
    return new WritableStream<LineBatch>({
      write: async (batch) => {
        // Written by the exit path already. A failed batch stays not done, and the exit
        // path resumes it from `batch.written`.
        if (batch.done) return;
        this.#appendSync(file, batch);
        if (this.#context.settings.fsync && batch.written > 0) {
          try {
            await file.syncData();
          } catch (error) {
            this.#context.counters.errors++;
            this.#context.reporter.report(
              this.path,
              error,
              `fsync of ${this.path} failed: ${describeError(error)}`,
            );
          }
        }
      },
      close: () => {
        try {
          file.close();
        } catch {
          // Closed by the exit path or a reopen already.
        }
      },
    });
  }

  /**
   * Append a batch, from `batch.written` on, holding an exclusive advisory
   * lock on the file. Under the lock, a file that grew since our last write
   * (another process appends to the same session) is caught up with first: its
   * torn tail is noted and the batch is renumbered after the file's last
   * `seq`, so seq rises strictly over the whole file. With `O_APPEND` one
   * `write(2)` lands as one piece. A short write that ends inside a line leaves
   * a torn fragment: it is terminated with `\n` and the whole line is written
   * again, so every event still ends up as one complete line. Sets `written`
   * (always at a line boundary) and `error`.
   */
  #appendSync(file: Deno.FsFile, batch: LineBatch): void {
    let pos = batch.written;
    batch.error = null;
    let locked = false;
    try {
      try {
        file.lockSync(true);
        locked = true;
      } catch {
        // No lock support (some network file systems): append without one; each
        // O_APPEND write still lands whole, only seq may interleave between writers.
      }
      // A partly written batch keeps its numbers: its first lines are in the file already.
      if (pos === 0) this.#catchUp(file, batch);
      const bytes = batch.bytes;
      for (let attempt = 0; pos < bytes.length; attempt++) {
        if (attempt === MAX_SHORT_WRITES) {
          throw new Error("the disk keeps accepting partial writes");
        }
        if (this.#torn) {
          if (file.writeSync(NEWLINE_BYTES) !== 1) throw new Error("could not write a newline");
          this.#torn = false;
        }
        const n = file.writeSync(pos === 0 ? bytes : bytes.subarray(pos));
        const end = pos + n;
        if (end === bytes.length) {
          pos = end;
          break;
        }
        if (n === 0) continue;
        const lastNewline = bytes.lastIndexOf(NEWLINE, end - 1);
        if (lastNewline + 1 !== end) this.#torn = true;
        if (lastNewline >= pos) pos = lastNewline + 1;
      }
      this.#size = file.statSync().size;
    } catch (error) {
      batch.error = error;
      this.#context.counters.errors++;
    } finally {
      if (locked) {
        try {
          file.unlockSync();
        } catch {
          // Closing the file releases the lock anyway.
        }
      }
    }
    batch.written = pos;
  }

  /**
   * With the file locked: if it grew since our last write, read its tail and
   * renumber the batch after the highest `seq` there.
   */
  #catchUp(file: Deno.FsFile, batch: LineBatch): void {
    const size = file.statSync().size;
    if (size === this.#size) return;
    const tail = readTailState(file, size);
    this.#torn = !tail.endsWithNewline;
    this.#size = size;
    if (tail.lastSeq <= batch.seqBefore) return;
    this.#context.encoder.renumber(this.sessionId, batch, tail.lastSeq);
    this.#seq = batch.seqAfter;
  }
}
