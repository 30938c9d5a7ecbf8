/**
 * A writer process for the rotation and crash-safety tests: emits fill events
 * with a `JsonlExecutionLogger` that rotates every `rotateBytes`, optionally
 * with a crash point armed (the process then dies with SIGKILL when it gets
 * there, as a power cut would).
 *
 * Usage: `deno run -A rotation_helper.ts <dir> <session> <events> <rotateBytes> <ending> [crashAt] [writer]`
 * - ending `close`: emit `events` events, then `close()`;
 * - ending `until-crash`: emit until the armed crash point kills the process.
 *
 * @module
 */
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import { armCrashPoint } from "../../../execution/telemetry/crash_points.ts";
import { fillEvent } from "./fixtures.ts";

const [dir, session, eventsArg, rotateArg, ending, crashAt = "", writer = "w"] = Deno.args;
if (crashAt !== "") armCrashPoint(crashAt);
const logger = new JsonlExecutionLogger({
  baseDir: dir,
  rotateBytes: Number(rotateArg),
  onError: (report) => console.error(report.message),
});
const total = ending === "until-crash" ? Infinity : Number(eventsArg);
for (let i = 0; i < total; i++) {
  logger.emit(fillEvent(session, i, `${writer}-${i}`));
  // Let batches go out while emitting, as a real session would.
  if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 0));
}
await logger.close();
