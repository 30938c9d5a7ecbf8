import assert from "node:assert/strict";
import { CompositeEmitter, MemoryEmitter, NullEmitter } from "../../execution/emitters.ts";
import type { ExecutionEvent, ExecutionEventEmitter } from "../../execution/events.ts";
import { JsonlExecutionLogger } from "../../execution/telemetry/logger.ts";
import { fillEvent, readLines } from "./telemetry/fixtures.ts";

class BrokenEmitter implements ExecutionEventEmitter {
  emit(_event: ExecutionEvent): void {
    throw new Error("emit broken");
  }
  flush(): Promise<void> {
    return Promise.reject(new Error("flush broken"));
  }
  close(): Promise<void> {
    throw new Error("close broken");
  }
}

Deno.test("a throwing emitter in a CompositeEmitter does not stop the logger or the others", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    const memory = new MemoryEmitter();
    const composite = new CompositeEmitter([new BrokenEmitter(), logger, memory]);
    for (let i = 0; i < 3; i++) composite.emit(fillEvent("s1", i));
    await composite.flush();
    assert.equal(readLines(`${dir}/s1.jsonl`).length, 3, "flushed despite the broken flush");
    composite.emit(fillEvent("s1", 3));
    await composite.close();
    assert.deepEqual(composite.failures, [6, 0, 0]); // 4 emits, 1 flush, 1 close
    assert.equal(readLines(`${dir}/s1.jsonl`).length, 4);
    assert.deepEqual(memory.events.map((e) => e.seq), [1, 2, 3, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MemoryEmitter assigns seq per session and keeps copies", () => {
  const memory = new MemoryEmitter();
  const event = fillEvent("a", 0);
  memory.emit(event);
  memory.emit(fillEvent("b", 1));
  memory.emit(fillEvent("a", 2));
  assert.deepEqual(memory.events.map((e) => [e.session_id, e.seq]), [["a", 1], ["b", 1], ["a", 2]]);
  assert.equal(event.seq, undefined, "the caller's event is not mutated");
});

Deno.test("NullEmitter accepts events and has nothing to flush", () => {
  const sink = new NullEmitter();
  sink.emit(fillEvent("a", 0));
  assert.equal("flush" in sink, false);
});
