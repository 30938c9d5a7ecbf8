/**
 * Live-stream clients for the fan-out checks of the load scripts: open many
 * streams, wait until each is connected, then time when a marker arrives at
 * each.
 *
 * @module
 */

/** Streams opened by {@linkcode openSseStreams}; `close()` ends them all. */
export interface SseStreams {
  readers: ReadableStreamDefaultReader<string>[];
  close(): Promise<void>;
}

/** Open `clients` streams of `url` and wait for each one's `: connected` greeting. */
export async function openSseStreams(url: string | URL, clients: number): Promise<SseStreams> {
  const controller = new AbortController();
  const readers: ReadableStreamDefaultReader<string>[] = [];
  const close = async (): Promise<void> => {
    controller.abort();
    await Promise.allSettled(readers.map((r) => r.cancel()));
  };
  try {
    await Promise.all(Array.from({ length: clients }, async () => {
      const res = await fetch(url, { signal: controller.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      readers.push(reader);
      let text = "";
      while (!text.includes(": connected")) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error("stream ended before connecting");
        text += chunk.value;
      }
    }));
  } catch (err) {
    await close();
    throw err;
  }
  return { readers, close };
}

/**
 * For each stream, `performance.now()` when text containing `marker` has
 * arrived, or `Infinity` when the stream ended or `timeoutMs` passed first.
 */
export function markerArrivals(
  streams: SseStreams,
  marker: string,
  timeoutMs: number,
): Promise<number[]> {
  const timeout = AbortSignal.timeout(timeoutMs);
  return Promise.all(streams.readers.map(async (reader) => {
    let text = "";
    while (!text.includes(marker)) {
      if (timeout.aborted) return Infinity;
      const chunk = await reader.read();
      if (chunk.done) return Infinity;
      text += chunk.value;
    }
    return performance.now();
  }));
}
