/**
 * `SessionFile`: one session's active JSONL file and everything that is true
 * of it: the safe open (no symlinks, reopened when removed, replaced or
 * rotated by another process), the last `seq` handed out, whether the file
 * ends inside a line, the locked append that catches up with other writers
 * and repairs a torn tail, and rotation into closed segments.
 *
 * Every byte reaches the file through {@linkcode SessionFile.ensureOpen} and
 * the locked append, so rotation lives here: under the file lock, after a
 * complete batch and before the next one, the active file is renamed into
 * the session's segment directory and entered in the manifest, a new active
 * file is created at the same path, and the closed segment is handed to the
 * compactor (off the hot path). `seq` continues across segments.
 *
 * @module
 */
import type { LineBatch } from "./line_batch.ts";
import type { LoggerSettings } from "./options.ts";
import { describeError, type ProblemReporter } from "./problem_reporter.ts";
import type { TelemetryCounters } from "./stats.ts";
import { readTailState } from "./tail_state.ts";
import type { SegmentCompactor } from "./segment_compactor.ts";
import { closeActiveFileSync, lastClosedSeqSync } from "./rotation.ts";
import { type RotationTrigger, segmentDir } from "./segments.ts";

/** Attempts to finish one batch after short writes, before it is treated as an error. */
const MAX_SHORT_WRITES = 8;
/** Reopens of a path that keeps naming another file under the lock, before giving up. */
const MAX_REOPENS = 8;
const NEWLINE = 0x0a;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);
const DAY_MS = 86_400_000;
/** After a rotation failed (the rename was refused), the next attempt waits this long. */
const ROTATION_RETRY_MS = 1_000;

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
  readonly counters: TelemetryCounters;
  readonly reporter: ProblemReporter;
  /** Compresses closed segments and repairs segment directories off the hot path. */
  readonly compactor: SegmentCompactor;
}

/** An open session file: the descriptor and its identity. */
interface OpenFile {
  readonly file: Deno.FsFile;
  readonly ino: number | null;
  readonly dev: number;
}

function utcDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/**
 * One session's log file. Batches are written in order through one
 * `WritableStream` (see {@linkcode SessionFile.write}), or synchronously on
 * the exit path and under backpressure ({@linkcode SessionFile.writeSync}).
 */
export class SessionFile {
  readonly #context: SessionFileContext;
  /** Last seq handed out for this session. */
  #seq = 0;
  /** The file ends inside a line (a crash or a short write): the next write starts with `\n`. */
  #torn = false;
  /** Size of the file after our last write: if it differs, another process appended. */
  #size = 0;
  /** Size of the file the path named at the last identity check (under the lock). */
  #pathSize = 0;
  /** UTC day (days since the epoch) of the file's last modification, for daily rotation. */
  #day = 0;
  /** Lines in the active file when only this writer wrote it since it was created, else `null`. */
  #lines: number | null = null;
  /** A `seq` the next batch must follow (the closed segments' last, after a reopen). */
  #seqFloor = 0;
  #open: OpenFile | null = null;
  /** The stream batches are written through; its sink writes to whatever file is open. */
  #writer: WritableStreamDefaultWriter<LineBatch> | null = null;
  /** `logger.rotate()` asked for a rotation at the next batch. */
  #rotateRequested = false;
  /** The segment directory was checked for leftovers of a crash (once per process and session). */
  #repairRequested = false;
  /** No rotation is tried before this time (epoch ms) after one failed. */
  #rotationRetryAt = 0;

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
   * was removed, replaced or rotated since. `beforeOpen` runs before a new
   * descriptor is opened (to respect the open-file cap). On opening, the
   * file's tail gives the last `seq` (the closed segments' last for a new
   * file) and whether it ends inside a line.
   *
   * @throws {UnsafeSessionFileError} when the path is a symlink or is swapped while opened.
   */
  ensureOpen(beforeOpen: () => void): void {
    // An open file is checked under the lock before each write (see #locked): no lstat here.
    if (this.#open !== null) return;
    beforeOpen();
    this.#open = this.#openPath();
    this.#writer ??= this.#stream().getWriter();
    if (!this.#repairRequested) {
      this.#repairRequested = true;
      this.#repairLeftovers();
    }
  }

  /**
   * The path still names the file `open` holds (not removed, replaced or
   * rotated). The same `lstat` gives the file's size (`#pathSize`), so the
   * locked append needs no `fstat` to see another writer's lines.
   */
  #holdsPath(open: OpenFile): boolean {
    try {
      const current = Deno.lstatSync(this.path);
      if (current.ino !== open.ino || current.dev !== open.dev) return false;
      this.#pathSize = current.size;
      return true;
    } catch {
      return false; // removed (with its directory, perhaps)
    }
  }

  /** A crash may have left a rotation or compression half done: let the compactor repair it. */
  #repairLeftovers(): void {
    const { baseDir } = this.#context.settings;
    try {
      Deno.lstatSync(segmentDir(baseDir, this.sessionId));
    } catch {
      return; // never rotated: nothing to repair
    }
    this.#context.compactor.repair(baseDir, this.sessionId);
  }

  /** Open (or create) the file at the path and read its state; throws when unsafe. */
  #openPath(): OpenFile {
    const { baseDir } = this.#context.settings;
    Deno.mkdirSync(baseDir, { recursive: true });
    for (let attempt = 0;; attempt++) {
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
      let file: Deno.FsFile;
      try {
        // createNew (O_EXCL) never follows a symlink planted after the check above.
        file = Deno.openSync(this.path, {
          read: true,
          append: true,
          create: before === null,
          createNew: before === null,
        });
      } catch (error) {
        // Created by another writer (a rotation) since the check: open that one.
        if (error instanceof Deno.errors.AlreadyExists && attempt < MAX_REOPENS) continue;
        throw error;
      }
      try {
        const info = file.statSync();
        // Checked on the descriptor before any read: a FIFO swapped in would block the tail read.
        if (!info.isFile) throw new Error(`${this.path} exists and is not a regular file`);
        let after: Deno.FileInfo | null = null;
        try {
          after = Deno.lstatSync(this.path);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
        if (after !== null && (after.isSymlink || !after.isFile)) {
          throw new UnsafeSessionFileError(this.path, "the file was replaced while it was opened");
        }
        if (after === null || after.ino !== info.ino || after.dev !== info.dev) {
          // Another writer rotated it away since it was opened (renamed into a segment, and
          // maybe created the next): open what the path names now. (Treated as an error, this
          // lost the batch of a writer that closed right after.)
          if (attempt < MAX_REOPENS) {
            file.close();
            continue;
          }
          throw new Error(`${this.path} keeps being replaced; the batch is retried later`);
        }
        const tail = readTailState(file, info.size);
        // A file without any seq (new, or just rotated) continues from the closed segments.
        this.#seqFloor = tail.lastSeq > 0 ? 0 : lastClosedSeqSync(baseDir, this.sessionId);
        this.#seq = Math.max(this.#seq, tail.lastSeq, this.#seqFloor);
        this.#torn = !tail.endsWithNewline;
        this.#size = info.size;
        this.#day = utcDay(info.mtime?.getTime() ?? Date.now());
        this.#lines = info.size === 0 ? 0 : null;
        return { file, ino: info.ino, dev: info.dev };
      } catch (error) {
        file.close();
        throw error;
      }
    }
  }

  /** The last `seq` handed out for this session (the file's, once it was opened). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * How many bytes the next batch may hold: `maxBytes`, and no more than
   * fits before the size rotation (a segment stays within `rotateBytes`
   * unless a single line is larger).
   */
  room(maxBytes: number): number {
    const { rotateBytes } = this.#context.settings;
    const room = rotateBytes - Math.max(0, this.#size);
    return Math.min(maxBytes, room > 0 ? room : rotateBytes);
  }

  /** `batch` (numbered right after {@linkcode seq}) is the next batch of this file. */
  claim(batch: LineBatch): void {
    this.#seq = batch.seqAfter;
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
    return this.#writer!.write(batch);
  }

  /** Append a batch now, from `batch.written` on (exit path, backpressure); sets `written` and `error`. */
  writeSync(batch: LineBatch): void {
    this.#appendSync(batch);
  }

  /** `fdatasync` the open file (the exit path). */
  syncDataSync(): void {
    this.#open!.file.syncDataSync();
  }

  /** Rotate at the next batch (`logger.rotate()`). */
  requestRotation(): void {
    this.#rotateRequested = true;
  }

  /**
   * Rotate now if the file has any bytes (`logger.rotate()` after its
   * flush): under the lock, as an append would. A session without a file
   * has nothing to rotate. Throws what the rotation threw.
   */
  rotateNowSync(beforeOpen: () => void): void {
    if (!this.#rotateRequested) return;
    if (this.#open === null) {
      try {
        Deno.lstatSync(this.path);
      } catch {
        this.#rotateRequested = false; // no file: nothing to rotate
        return;
      }
    }
    this.ensureOpen(beforeOpen);
    this.#locked((file) => {
      this.#catchUp(file, null);
      if (this.#size > 0 && this.#rotateLocked("request")) this.#catchUp(this.#open!.file, null);
      this.#rotateRequested = false;
    });
  }

  /** Close the file after the batches already handed to its stream. */
  async close(): Promise<void> {
    const writer = this.#writer;
    this.#writer = null;
    if (writer === null) {
      this.#closeDescriptor();
      return;
    }
    try {
      // The stream's close also closes the file.
      await writer.close();
    } catch {
      // The file is gone with the stream either way.
    }
    this.#closeDescriptor();
  }

  /** Close the file now (a reopen, or the open-file cap). */
  closeSync(): void {
    this.#closeDescriptor();
    const writer = this.#writer;
    this.#writer = null;
    writer?.releaseLock();
  }

  #closeDescriptor(): void {
    const open = this.#open;
    this.#open = null;
    if (open === null) return;
    try {
      open.file.close();
    } catch {
      // Already closed.
    }
  }

  /** The stream of batches: each chunk is a batch of whole lines, appended in one write. */
  #stream(): WritableStream<LineBatch> {
    return new WritableStream<LineBatch>({
      write: async (batch) => {
        // Written by the exit path already. A failed batch stays not done, and the exit
        // path resumes it from `batch.written`.
        if (batch.done) return;
        this.#appendSync(batch);
        const file = this.#open?.file;
        if (this.#context.settings.fsync && batch.written > 0 && file !== undefined) {
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
      close: () => this.#closeDescriptor(),
    });
  }

  /**
   * Run `action` holding an exclusive advisory lock on the file the path
   * names: after taking the lock, a path that names another file (another
   * process rotated or replaced it) is reopened and locked instead. Where
   * the file system refuses locks, runs without one.
   */
  #locked(action: (file: Deno.FsFile) => void): void {
    let open = this.#open!;
    let locked = false;
    try {
      for (let attempt = 0;; attempt++) {
        try {
          open.file.lockSync(true);
          locked = true;
        } catch {
          // No lock support (some network file systems): write without one; each
          // O_APPEND write still lands whole, only seq may interleave between writers.
        }
        if (this.#holdsPath(open)) break;
        if (attempt === MAX_REOPENS) {
          throw new Error(`${this.path} keeps being replaced; the batch is retried later`);
        }
        if (locked) open.file.unlockSync();
        locked = false;
        this.#closeDescriptor();
        this.#open = open = this.#openPath();
        // Whatever the new file holds, the next batch is renumbered after it (see #catchUp).
        this.#size = -1;
      }
      action(open.file);
    } finally {
      const current = this.#open;
      if (locked && current !== null) {
        try {
          current.file.unlockSync();
        } catch {
          // Closing the file releases the lock anyway.
        }
      }
    }
  }

  /**
   * Append a batch, from `batch.written` on, holding the file lock (see
   * {@linkcode #locked}). Under the lock, a file that grew since our last
   * write (another process appends to the same session) is caught up with
   * first: its torn tail is noted and the batch is renumbered after the
   * file's last `seq`, so seq rises strictly over the whole session. Then,
   * before the batch's first byte, the file is rotated if a trigger says so.
   * With `O_APPEND` one `write(2)` lands as one piece. A short write that
   * ends inside a line leaves a torn fragment: it is terminated with `\n` and
   * the whole line is written again, so every event still ends up as one
   * complete line. Sets `written` (always at a line boundary) and `error`.
   */
  #appendSync(batch: LineBatch): void {
    let pos = batch.written;
    batch.error = null;
    try {
      if (this.#open === null) throw new Error(`${this.path} is not open`);
      this.#locked(() => {
        // A partly written batch keeps its numbers: its first lines are in the file already.
        if (pos !== 0 && this.#size !== this.#pathSize) {
          // Resuming a batch: its numbers stay, but the size is what the lock-time check saw.
          this.#size = this.#pathSize;
          this.#lines = null;
        }
        if (pos === 0) {
          this.#catchUp(this.#open!.file, batch);
          const trigger = this.#rotationDue(batch.bytes.length);
          if (trigger !== null && this.#rotateLocked(trigger)) {
            // Another writer may have appended to the new file already: number after it.
            this.#catchUp(this.#open!.file, batch);
          }
        }
        const file = this.#open!.file;
        const bytes = batch.bytes;
        for (let attempt = 0; pos < bytes.length; attempt++) {
          if (attempt === MAX_SHORT_WRITES) {
            throw new Error("the disk keeps accepting partial writes");
          }
          if (this.#torn) {
            if (file.writeSync(NEWLINE_BYTES) !== 1) throw new Error("could not write a newline");
            this.#torn = false;
            this.#lines = null;
            this.#size++;
          }
          const n = file.writeSync(pos === 0 ? bytes : bytes.subarray(pos));
          // Under the lock with O_APPEND, the file grew by exactly what we wrote: no fstat.
          this.#size += n;
          const end = pos + n;
          if (end === bytes.length) {
            pos = end;
            break;
          }
          if (n === 0) continue;
          const lastNewline = bytes.lastIndexOf(NEWLINE, end - 1);
          if (lastNewline + 1 !== end) this.#torn = true;
          if (lastNewline >= pos) pos = lastNewline + 1;
          this.#lines = null;
        }
        this.#day = utcDay(Date.now());
        if (this.#lines !== null && batch.written === 0 && pos === bytes.length) {
          this.#lines += batch.count;
        } else {
          this.#lines = null;
        }
      });
    } catch (error) {
      batch.error = error;
      // An unsafe path (a symlink swapped in) is a refusal the queue reports, not a failed write.
      if (!(error instanceof UnsafeSessionFileError)) this.#context.counters.errors++;
    }
    batch.written = pos;
  }

  /**
   * With the file locked: if it grew since our last write, read its tail and
   * renumber `batch` (when given) after the highest `seq` there (or after the
   * closed segments', for a file just reopened).
   */
  #catchUp(file: Deno.FsFile, batch: LineBatch | null): void {
    // The size from the identity check just made under the lock (see #holdsPath).
    const size = this.#pathSize;
    if (size === this.#size) return;
    const tail = readTailState(file, size);
    this.#torn = !tail.endsWithNewline;
    if (size !== this.#size && this.#size !== -1) this.#lines = null;
    this.#size = size;
    const latest = Math.max(tail.lastSeq, this.#seqFloor);
    if (batch === null || latest <= batch.seqBefore) return;
    batch.renumber(latest);
    this.#seq = batch.seqAfter;
  }

  /** Which trigger closes the file before `incoming` more bytes, or `null`. */
  #rotationDue(incoming: number): RotationTrigger | null {
    if (this.#size <= 0) return null;
    const { rotateBytes, daily } = this.#context.settings;
    let trigger: RotationTrigger | null = null;
    if (this.#rotateRequested) trigger = "request";
    else if (this.#size + incoming > rotateBytes) trigger = "size";
    // Only forwards: a file modified "tomorrow" (a skewed clock) is not rotated every batch.
    else if (daily && utcDay(Date.now()) > this.#day) trigger = "daily";
    if (trigger === null || Date.now() < this.#rotationRetryAt) return null;
    return trigger;
  }

  /**
   * With the file locked and not empty: close it into the next segment and
   * open (locked) a new active file at the path. A refused rename leaves the
   * file active (reported; retried a second later); the closed segment goes
   * to the compactor. Returns whether the file was rotated.
   */
  #rotateLocked(trigger: RotationTrigger): boolean {
    const old = this.#open!;
    const { baseDir } = this.#context.settings;
    const { counters, reporter } = this.#context;
    if (this.#torn) {
      // A segment ends at a line end: the torn fragment becomes a line of its own.
      if (old.file.writeSync(NEWLINE_BYTES) !== 1) throw new Error("could not write a newline");
      this.#torn = false;
      this.#size++;
      this.#lines = null;
    }
    let closed;
    try {
      closed = closeActiveFileSync(
        baseDir,
        this.sessionId,
        this.path,
        old.file,
        this.#size,
        trigger,
        this.#lines,
      );
    } catch (error) {
      counters.errors++;
      this.#rotationRetryAt = Date.now() + ROTATION_RETRY_MS;
      reporter.report(
        this.path,
        error,
        `could not rotate ${this.path}: ${describeError(error)}; writing on to the same file`,
      );
      return false;
    }
    this.#rotateRequested = false;
    this.#context.compactor.compact(baseDir, this.sessionId, closed.index);
    if (closed.manifestError !== null) {
      counters.errors++;
      reporter.report(
        this.path,
        closed.manifestError,
        `rotated ${this.path} into segment ${closed.index} but could not update its manifest: ` +
          `${describeError(closed.manifestError)} (the next writer repairs it)`,
      );
    }
    // The new active file, locked while the path still names it (another writer may have
    // created it, and rotated it again while we waited for its lock); the old one stays
    // locked until then.
    for (let attempt = 0;; attempt++) {
      const fresh = this.#openPath();
      let locked = true;
      try {
        fresh.file.lockSync(true);
      } catch {
        locked = false; // no lock support: as in #locked
      }
      if (this.#holdsPath(fresh)) {
        this.#open = fresh;
        break;
      }
      if (locked) fresh.file.unlockSync();
      fresh.file.close();
      if (attempt === MAX_REOPENS) {
        // The segment is closed; the batch is retried on whatever the path names then.
        throw new Error(`${this.path} keeps being replaced; the batch is retried later`);
      }
    }
    try {
      old.file.close();
    } catch {
      // Already closed.
    }
    // The caller catches up with the new file (another writer may have appended already).
    this.#size = -1;
    return true;
  }
}
