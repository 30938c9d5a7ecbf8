/**
 * The session's write lock, as retention sees it: the exclusive advisory lock
 * (`flock`) writers take on `<root>/<sid>.jsonl` while they append, rotate or
 * update the manifest. Retention probes it without waiting (a lock held now
 * means a writer is at work: the session is live) and holds it while it
 * changes anything of a session, so a writer that comes back waits for it and
 * then, re-checking the path under the lock as the segment contract says,
 * reopens a fresh file instead of appending to one retention removed.
 *
 * @module
 */

/** Looks at a path that keeps being replaced before it counts as busy. */
const MAX_REPLACED = 5;

/** The lock on a session's active file, held until {@linkcode SessionWriteLock.release}. */
export class SessionWriteLock {
  readonly #file: Deno.FsFile;
  /** The identity of the locked file (what the path named when it was locked). */
  readonly ino: number | null;
  /** Size of the locked file when it was locked. */
  readonly size: number;
  /** Modification time (ms) of the locked file when it was locked. */
  readonly mtimeMs: number;

  private constructor(file: Deno.FsFile, info: Deno.FileInfo) {
    this.#file = file;
    this.ino = info.ino;
    this.size = info.size;
    this.mtimeMs = info.mtime?.getTime() ?? 0;
  }

  /**
   * Try once to lock the regular file at `path` without waiting: the held
   * lock, `"locked"` when another holder has it, or `"missing"` when there is
   * no file. Throws for a symbolic link or anything but a regular file.
   */
  static async tryAcquire(path: string): Promise<SessionWriteLock | "locked" | "missing"> {
    // A file replaced between the look, the open and the lock (a rotation) is looked at again.
    for (let attempt = 0; attempt < MAX_REPLACED; attempt++) {
      const result = await SessionWriteLock.#tryOnce(path);
      if (result !== "replaced") return result;
    }
    return "locked"; // replaced on every look: a writer is rotating it right now
  }

  static async #tryOnce(
    path: string,
  ): Promise<SessionWriteLock | "locked" | "missing" | "replaced"> {
    let before: Deno.FileInfo;
    try {
      before = await Deno.lstat(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return "missing";
      throw err;
    }
    if (before.isSymlink || !before.isFile) {
      throw new Error(`${path} is not a regular file (a link is never followed)`);
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return "replaced";
      throw err;
    }
    let keep = false;
    try {
      const opened = await file.stat();
      if (!opened.isFile || opened.ino !== before.ino || opened.dev !== before.dev) {
        return "replaced";
      }
      if (!(await file.tryLock(true))) return "locked";
      // Under the lock the path must still name this file (a writer may have rotated it).
      let now: Deno.FileInfo | null = null;
      try {
        now = await Deno.lstat(path);
      } catch {
        // Removed meanwhile.
      }
      if (now === null || now.ino !== opened.ino || now.dev !== opened.dev) return "replaced";
      keep = true;
      return new SessionWriteLock(file, await file.stat());
    } finally {
      if (!keep) file.close();
    }
  }

  /**
   * Lock `path`, trying again while another holder has it, up to `attempts`
   * times `delayMs` apart (a writer holds it for one append at a time).
   * Returns `"locked"` when it stayed locked, `"missing"` when there is no file.
   */
  static async acquire(
    path: string,
    attempts = 40,
    delayMs = 25,
  ): Promise<SessionWriteLock | "locked" | "missing"> {
    for (let attempt = 1;; attempt++) {
      const result = await SessionWriteLock.tryAcquire(path);
      if (result !== "locked" || attempt >= attempts) return result;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** Whether another holder has the lock on `path` right now (`false` when there is no file). */
  static async isHeld(path: string): Promise<boolean> {
    const result = await SessionWriteLock.tryAcquire(path);
    if (result === "locked") return true;
    if (result !== "missing") result.release();
    return false;
  }

  /** Release the lock and close the file. */
  release(): void {
    try {
      this.#file.close(); // closing drops the flock
    } catch {
      // Already closed.
    }
  }
}
