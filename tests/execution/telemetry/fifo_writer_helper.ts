/**
 * Child of the writer's FIFO test: the session file is a FIFO, but the
 * writer's first check of the path is made to see a regular file (as it
 * would just before a swap). Prints the logger's stats; a writer that reads
 * the FIFO blocks and never prints.
 *
 * Usage: `deno run -A fifo_writer_helper.ts <dir>` (`<dir>/s.jsonl` is a FIFO,
 * `<dir>/regular` a regular file)
 *
 * @module
 */
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import { fillEvent } from "./fixtures.ts";

const [dir] = Deno.args;
const fifo = `${dir}/s.jsonl`;
const regular = Deno.lstatSync(`${dir}/regular`);
const lstat = Deno.lstatSync;
let checks = 0;
// Only the first look at the path sees a regular file: the swap lands right after it.
(Deno as unknown as { lstatSync: typeof Deno.lstatSync }).lstatSync = (path) =>
  String(path) === fifo && checks++ === 0 ? regular : lstat(path);
const logger = new JsonlExecutionLogger({ baseDir: dir, onError: () => {} });
logger.emit(fillEvent("s", 0));
await logger.flush();
const { written, errors } = logger.stats;
(Deno as unknown as { lstatSync: typeof Deno.lstatSync }).lstatSync = lstat;
console.log(JSON.stringify({ written, errors }));
Deno.exit(0);
