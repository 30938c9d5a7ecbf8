/**
 * One retention run at a time per log root: an exclusive advisory lock on
 * `<root>/.retention.lock`, taken without waiting by `applyRetention` (a
 * dry-run takes none, as it changes nothing). The file stays after the run;
 * removing it while another run waits on it would let two runs in at once.
 *
 * @module
 */
import { join } from "node:path";

/** The lock file's name in the log root. */
export const RETENTION_LOCK_NAME = ".retention.lock";

/** A held run lock. */
export class RetentionRunLock {
  readonly #file: Deno.FsFile;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Take the run lock of `root`, or return `null` when another run holds it.
   * Throws when the lock file is a link or not a regular file.
   */
  static async tryAcquire(root: string): Promise<RetentionRunLock | null> {
    const path = join(root, RETENTION_LOCK_NAME);
    let file: Deno.FsFile;
    try {
      // createNew never follows a link planted at the path.
      file = await Deno.open(path, { read: true, write: true, createNew: true, mode: 0o644 });
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      const info = await Deno.lstat(path);
      if (info.isSymlink || !info.isFile) {
        throw new Error(`${path} is not a regular file (a link is never followed)`);
      }
      file = await Deno.open(path, { read: true });
      const opened = await file.stat();
      if (opened.ino !== info.ino || opened.dev !== info.dev) {
        file.close();
        throw new Error(`${path} was replaced while it was opened`);
      }
    }
    if (!(await file.tryLock(true))) {
      file.close();
      return null;
    }
    return new RetentionRunLock(file);
  }

  /** Release the lock. */
  release(): void {
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
  }
}
