/**
 * Compressing a finished session into a whole-session archive,
 * `<root>/<sid>.jsonl.gz`, which every reader treats as the session. The
 * archive is written to a temporary name, fsynced and verified (decompressed
 * and compared, by length and SHA-256, with what it must hold) before it is
 * renamed into place, so a bad archive never replaces a good one; only then
 * is the plain file removed. When an archive exists already (the original's
 * retention compressed the session, then a writer started a new
 * `<sid>.jsonl`), the new archive is the old one's bytes followed by the plain
 * file as further gzip members: one archive, in write order, nothing lost.
 *
 * The compression runs without the session's write lock (a finished session
 * is not being written); the final check that neither file changed, the
 * rename and the removal of the plain file run under it (`underLock`), so a
 * writer that comes back waits milliseconds, not for the compression.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { syncDirectory } from "../../execution/atomic_file.ts";
import { gunzipChunks } from "../../live/gzip_readers.ts";

/** Runs the commit step of a compression holding the session's write lock. */
export type UnderSessionLock = <T>(commit: () => Promise<T>) => Promise<T>;

/** A file changed while the session was compressed: nothing was replaced or removed. */
export class ArchiveChangedError extends Error {
  /** `detail` says which file changed. */
  constructor(detail: string) {
    super(`${detail}; left as it is`);
    this.name = "ArchiveChangedError";
  }
}

/** What archiving a session changed on disk. */
export interface SessionArchiveResult {
  /** Bytes of the plain file and of the archive it replaced. */
  bytesBefore: number;
  /** Size of the new archive. */
  bytesAfter: number;
}

const NEWLINE = new Uint8Array([0x0a]);
/** Bytes read from the plain file per step. */
const CHUNK_BYTES = 1024 * 1024;

/** Identity of a file, to notice it changed while we worked. */
function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size &&
    a.mtime?.getTime() === b.mtime?.getTime();
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

async function regularOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink || !info.isFile) {
      throw new Error(`${path} is not a regular file (a link is never followed); left alone`);
    }
    return info;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Compress `<root>/<sessionId>.jsonl` into `<root>/<sessionId>.jsonl.gz`
 * (appending to an archive that exists), then remove the plain file. The
 * archive keeps the plain file's modification time. Throws, leaving
 * everything as it was (the temporary file removed), when either file changes
 * meanwhile, the result does not verify, or a write fails.
 */
export async function archiveSession(
  root: string,
  sessionId: string,
  underLock: UnderSessionLock = (commit) => commit(),
): Promise<SessionArchiveResult> {
  const plainPath = join(root, `${sessionId}.jsonl`);
  const archivePath = join(root, `${sessionId}.jsonl.gz`);
  const plainInfo = await regularOrNull(plainPath);
  if (plainInfo === null) throw new Error(`${plainPath} is gone`);
  const archiveInfo = await regularOrNull(archivePath);
  const temporary = join(root, `${sessionId}.jsonl.gz.${crypto.randomUUID()}.tmp`);
  const expected = createHash("sha256");
  let expectedLength = 0;
  const out = await Deno.open(temporary, { write: true, createNew: true, mode: 0o644 });
  let closed = false;
  try {
    if (archiveInfo !== null) {
      // The old archive's members stay as they are; its content is what the new one starts with.
      let last = 0x0a;
      for await (const chunk of gunzipChunks(archivePath)) {
        expected.update(chunk);
        expectedLength += chunk.length;
        last = chunk[chunk.length - 1] ?? last;
      }
      const old = await Deno.open(archivePath, { read: true });
      try {
        let copied = 0;
        for await (const chunk of old.readable) {
          await writeAll(out, chunk);
          copied += chunk.length;
        }
        if (copied !== archiveInfo.size) throw new Error(`${archivePath} changed while copied`);
      } catch (err) {
        try {
          old.close();
        } catch {
          // Closed by its stream already.
        }
        throw err;
      }
      if (last !== 0x0a) {
        // The old content ends inside a line: end it, so the first new line stays a line.
        await writeAll(out, gzipSync(NEWLINE));
        expected.update(NEWLINE);
        expectedLength += 1;
      }
    }
    const compression = new CompressionStream("gzip");
    const pump = (async () => {
      for await (const chunk of compression.readable) await writeAll(out, chunk);
    })();
    pump.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    const input = compression.writable.getWriter();
    const plain = await Deno.open(plainPath, { read: true });
    try {
      // Exactly the bytes the file had when looked at: a line appended meanwhile changes the
      // file, which the check under the lock notices.
      for (let read = 0; read < plainInfo.size;) {
        const buffer = new Uint8Array(Math.min(CHUNK_BYTES, plainInfo.size - read));
        const n = await plain.read(buffer);
        if (n === null) throw new Error(`${plainPath} shrank while compressed`);
        const chunk = buffer.subarray(0, n);
        expected.update(chunk);
        expectedLength += n;
        read += n;
        await input.write(chunk);
      }
    } catch (err) {
      await input.abort(err).catch(() => {});
      throw err;
    } finally {
      plain.close();
    }
    await input.close();
    await pump;
    await out.sync();
    out.close();
    closed = true;
    await verify(temporary, expected.digest("hex"), expectedLength);
    if (plainInfo.mtime !== null) {
      await Deno.utime(temporary, plainInfo.atime ?? plainInfo.mtime, plainInfo.mtime);
    }
    const bytesAfter = (await Deno.lstat(temporary)).size;
    await underLock(async () => {
      const plainNow = await regularOrNull(plainPath);
      const archiveNow = await regularOrNull(archivePath);
      if (plainNow === null || !sameFile(plainInfo, plainNow)) {
        throw new ArchiveChangedError(`${plainPath} changed while it was compressed`);
      }
      if (
        (archiveInfo === null) !== (archiveNow === null) ||
        (archiveInfo !== null && archiveNow !== null && !sameFile(archiveInfo, archiveNow))
      ) {
        throw new ArchiveChangedError(`${archivePath} changed while the session was compressed`);
      }
      await Deno.rename(temporary, archivePath);
      syncDirectory(root);
      await Deno.remove(plainPath);
      syncDirectory(root);
    });
    return { bytesBefore: plainInfo.size + (archiveInfo?.size ?? 0), bytesAfter };
  } catch (err) {
    if (!closed) out.close();
    await Deno.remove(temporary).catch(() => {});
    throw err;
  }
}

/** Throw unless the gzip file at `path` decompresses to `length` bytes with SHA-256 `digest`. */
async function verify(path: string, digest: string, length: number): Promise<void> {
  const actual = createHash("sha256");
  let actualLength = 0;
  try {
    for await (const chunk of gunzipChunks(path)) {
      actual.update(chunk);
      actualLength += chunk.length;
    }
  } catch (err) {
    throw new Error(
      `the new archive does not decompress (${err instanceof Error ? err.message : err}); ` +
        "the plain file is kept",
    );
  }
  if (actualLength !== length || actual.digest("hex") !== digest) {
    throw new Error("the new archive does not hold the session's bytes; the plain file is kept");
  }
}
