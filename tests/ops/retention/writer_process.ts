/**
 * Writer processes for the active-segment guard tests.
 *
 * Usage:
 * - `deno run -A writer_process.ts hold-lock <path>`: a writer caught in the middle of an
 *   append: opens the session file for appending, takes the exclusive lock writers take while
 *   they append, prints `ready`, and holds it until its stdin closes;
 * - `deno run -A writer_process.ts write <dir> <session>`: a `JsonlExecutionLogger` that writes
 *   100 events, flushes, prints `ready`, and keeps the session open until its stdin closes,
 *   then writes 100 more and closes.
 *
 * @module
 */
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import { fillEvent } from "../../execution/telemetry/fixtures.ts";

const [mode, target, session] = Deno.args;

async function untilStdinCloses(): Promise<void> {
  for await (const _ of Deno.stdin.readable) {
    // Nothing is read; the loop only waits for the end of input.
  }
}

function ready(): void {
  Deno.stdout.writeSync(new TextEncoder().encode("ready\n"));
}

if (mode === "hold-lock") {
  const file = await Deno.open(target, { append: true });
  await file.lock(true);
  ready();
  await untilStdinCloses();
  file.close();
} else if (mode === "write") {
  const logger = new JsonlExecutionLogger({ baseDir: target, handleSignals: false });
  for (let i = 0; i < 100; i++) logger.emit(fillEvent(session, i));
  await logger.flush();
  ready();
  await untilStdinCloses();
  for (let i = 100; i < 200; i++) logger.emit(fillEvent(session, i));
  await logger.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
