/**
 * A writer process for the telemetry subprocess tests: emits fill events with
 * a `JsonlExecutionLogger` and then ends in the way the test asks for.
 *
 * Usage: `deno run -A writer_helper.ts <dir> <session> <events> <ending> [writer] [fsync]`
 * - ending `close`: await `close()`, then end;
 * - ending `end`: emit, then let the script end (the exit hook writes);
 * - ending `exit`: emit, then `Deno.exit(7)` at once;
 * - ending `exit-in-flush`: emit, start a `flush()` and `Deno.exit(7)` while it is in progress;
 * - ending `exit-in-long-flush`: emit all without yielding (more than one write's worth stays
 *   queued), start a `flush()` and `Deno.exit(7)` while its first write is in progress;
 * - ending `emit-in-unload`: emit, and emit one more event from an `unload` listener added
 *   after the logger's own, then let the script end;
 * - ending `wait`: emit, print `ready` and wait for a signal (SIGTERM test);
 * - ending `forever`: emit batches with `flush()` forever, print `ready` after the first.
 *
 * @module
 */
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../../../execution/events.ts";
import { fillEvent } from "./fixtures.ts";

const [dir, session, eventsArg, ending, writer = "w", durability = ""] = Deno.args;
const total = Number(eventsArg);
const logger = new JsonlExecutionLogger({ baseDir: dir, fsync: durability === "fsync" });
const encoder = new TextEncoder();

function event(i: number): ExecutionEvent {
  return fillEvent(session, i, `${writer}-${i}`);
}

if (ending === "forever") {
  let i = 0;
  for (let round = 0;; round++) {
    for (let k = 0; k < 500; k++) logger.emit(event(i++));
    await logger.flush();
    if (round === 0) Deno.stdout.writeSync(encoder.encode("ready\n"));
  }
}

if (ending === "exit-in-long-flush") {
  for (let i = 0; i < total; i++) logger.emit(event(i));
  void logger.flush(); // the first write is under way; the rest waits for it
  Deno.exit(7);
}

for (let i = 0; i < total; i++) {
  logger.emit(event(i));
  // Let batches go out while emitting, as a real session would.
  if (i % 1000 === 999) await new Promise((resolve) => setTimeout(resolve, 0));
}

if (ending === "emit-in-unload") {
  // Runs after the logger's exit flush (listeners run in the order they were added).
  globalThis.addEventListener("unload", () => logger.emit(event(total)));
}

if (ending === "close") {
  await logger.close();
} else if (ending === "exit") {
  Deno.exit(7);
} else if (ending === "exit-in-flush") {
  for (let i = total; i < total + 100; i++) logger.emit(event(i));
  void logger.flush(); // the batch is written at once; its fsync (if any) is still running
  Deno.exit(7);
} else if (ending === "wait") {
  Deno.stdout.writeSync(encoder.encode("ready\n"));
  // Kept alive by this interval until the signal arrives.
  setInterval(() => {}, 60_000);
}
