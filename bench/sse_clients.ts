/**
 * Live-stream clients for the fan-out checks of the load scripts: open many
 * streams, wait until each is connected, then time when a marker arrives at
 * each.
 *
 * Each client is a plain TCP connection that sends the request and searches
 * the bytes it receives: the time taken is when the marker's bytes reached
 * the client, not how long one process takes to run a hundred HTTP clients
 * and text decoders one after another (with `fetch` and a `TextDecoderStream`
 * per stream, the hundredth client's time also held the other 99's decoding).
 *
 * @module
 */

const encoder = new TextEncoder();
const CONNECTED = encoder.encode(": connected");

/** Streams opened by {@linkcode openSseStreams}; `close()` ends them all. */
export interface SseStreams {
  /** One connection per client, past its `: connected` greeting. */
  conns: Deno.TcpConn[];
  /** What each connection received after its greeting and has not been searched yet. */
  pending: Uint8Array[];
  close(): Promise<void>;
}

/** Where `needle` starts in `haystack`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Read `conn` until `needle` has arrived; resolves with what came after it,
 * or `null` when the connection ended (or `signal` aborted) first.
 */
async function readUntil(
  conn: Deno.TcpConn,
  seen: Uint8Array,
  needle: Uint8Array,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  let carry = seen;
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const at = indexOfBytes(carry, needle);
    if (at !== -1) return carry.slice(at + needle.length);
    // Only a marker cut in two by the reads needs the bytes before.
    carry = carry.slice(Math.max(0, carry.length - needle.length + 1));
    if (signal?.aborted) return null;
    const n = await conn.read(buf);
    if (n === null) return null;
    carry = concat(carry, buf.subarray(0, n));
  }
}

/** Open `clients` streams of `url` and wait for each one's `: connected` greeting. */
export async function openSseStreams(url: string | URL, clients: number): Promise<SseStreams> {
  const target = new URL(url);
  const request = encoder.encode(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
      "Accept: text/event-stream\r\n\r\n",
  );
  const conns: Deno.TcpConn[] = [];
  const pending: Uint8Array[] = [];
  const close = (): Promise<void> => {
    for (const conn of conns) {
      try {
        conn?.close();
      } catch {
        // Closed by the server already.
      }
    }
    return Promise.resolve();
  };
  try {
    await Promise.all(Array.from({ length: clients }, async (_, i) => {
      const conn = await Deno.connect({
        hostname: target.hostname.replace(/^\[|\]$/g, ""),
        port: Number(target.port),
      });
      conns[i] = conn;
      await conn.write(request);
      const after = await readUntil(conn, new Uint8Array(0), CONNECTED);
      if (after === null) throw new Error("stream ended before connecting");
      pending[i] = after;
    }));
  } catch (err) {
    await close();
    throw err;
  }
  return { conns, pending, close };
}

/**
 * For each stream, `performance.now()` when the bytes of `marker` have
 * arrived, or `Infinity` when the stream ended or `timeoutMs` passed first.
 */
export function markerArrivals(
  streams: SseStreams,
  marker: string,
  timeoutMs: number,
): Promise<number[]> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const needle = encoder.encode(marker);
  // A stream that never gets the marker is closed at the timeout, which ends its read.
  const onTimeout = () => void streams.close();
  timeout.addEventListener("abort", onTimeout, { once: true });
  return Promise.all(streams.conns.map(async (conn, i) => {
    const after = await readUntil(conn, streams.pending[i] ?? new Uint8Array(0), needle, timeout)
      .catch(() => null);
    return after === null ? Infinity : performance.now();
  })).finally(() => timeout.removeEventListener("abort", onTimeout));
}
