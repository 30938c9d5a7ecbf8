import assert from "node:assert/strict";
import { createEventStream, openEventStreamCount, type SseMessage } from "../../web/sse.ts";

async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  needle: string,
  timeoutMs = 2_000,
): Promise<string> {
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${JSON.stringify(needle)} not seen in ${text}`)),
      timeoutMs,
    );
  });
  try {
    while (!text.includes(needle)) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk.done) throw new Error(`stream ended before ${JSON.stringify(needle)}`);
      text += chunk.value;
    }
    return text;
  } finally {
    clearTimeout(timer);
  }
}

function pending(): AsyncIterator<SseMessage> & { returned: boolean } {
  const iterator = {
    returned: false,
    next: () => new Promise<IteratorResult<SseMessage>>(() => {}),
    return: () => {
      iterator.returned = true;
      return Promise.resolve({ done: true as const, value: undefined });
    },
  };
  return iterator;
}

Deno.test("an event stream formats messages with event, id and data fields", async () => {
  async function* two(): AsyncGenerator<SseMessage> {
    yield { event: "execution", id: "120", data: '{"a":1}' };
    yield { event: "reset", id: "0", data: '{"reason":"truncated"}' };
  }
  const text = await new Response(createEventStream(two())).text();
  assert.match(text, /^retry: 2000\n: connected\n\n/);
  assert.match(text, /event: execution\nid: 120\ndata: \{"a":1\}\n\n/);
  assert.match(text, /event: reset\nid: 0\ndata: \{"reason":"truncated"\}\n\n$/);
});

Deno.test("an idle event stream sends comment heartbeats", async () => {
  const source = pending();
  const reader = createEventStream(source, { heartbeatMs: 20 }).pipeThrough(new TextDecoderStream())
    .getReader();
  try {
    await readUntil(reader, ": heartbeat\n\n");
  } finally {
    await reader.cancel();
  }
  assert.equal(source.returned, true, "cancelling returns the source");
});

Deno.test("aborting the signal closes the stream and releases timer, source and count", async () => {
  const before = openEventStreamCount();
  const source = pending();
  const stop = new AbortController();
  let closed = 0;
  const stream = createEventStream(source, { signal: stop.signal, onClose: () => closed++ });
  const reader = stream.getReader();
  assert.equal(openEventStreamCount(), before + 1);
  stop.abort();
  let done = false;
  while (!done) done = (await reader.read()).done;
  assert.equal(openEventStreamCount(), before);
  assert.equal(source.returned, true);
  assert.equal(closed, 1);
});
