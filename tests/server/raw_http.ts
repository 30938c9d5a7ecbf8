/**
 * Raw HTTP/1.1 over TCP for tests of the connection guard: bytes exactly as
 * written (no client-side normalisation), and reads bounded by a deadline so
 * a test that would hang fails instead.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Open a TCP connection to the dashboard on `port` and send `text` (may be empty). */
export async function rawConnect(port: number, text = ""): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (text !== "") await conn.write(encoder.encode(text));
  return conn;
}

/** Read from `conn` until `done(text so far)` holds or the server closes; returns the text. */
export async function readUntil(
  conn: Deno.Conn,
  done: (text: string) => boolean,
  timeoutMs = 20_000,
): Promise<{ text: string; closed: boolean }> {
  const buf = new Uint8Array(16 * 1024);
  const decoder = new TextDecoder(); // one per read: a character may span two chunks
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    while (!done(text)) {
      const n = await Promise.race([conn.read(buf).catch(() => null), deadline]);
      if (n === "timeout") throw new Error(`no answer within ${timeoutMs} ms; got ${text}`);
      if (n === null) return { text, closed: true };
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    return { text, closed: false };
  } finally {
    clearTimeout(timer);
  }
}

/** Read everything until the server closes the connection. */
export async function readUntilClosed(conn: Deno.Conn, timeoutMs = 20_000): Promise<string> {
  return (await readUntil(conn, () => false, timeoutMs)).text;
}

/** A complete GET request for `path` with `Host: 127.0.0.1` (and any `extra` header lines). */
export function get(path: string, extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
}

/** Close `conn`, ignoring a connection the server already closed. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
