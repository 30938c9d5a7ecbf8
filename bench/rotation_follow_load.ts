/**
 * The rotation "done when" check: a writer process that rotates its session
 * every `--rotate-bytes` while `timeline --follow --json` runs in another
 * process must deliver every event exactly once, in order, to the follower;
 * the summary must count all of them afterwards.
 *
 * Usage:
 *   deno run -A bench/rotation_follow_load.ts [--events 1000000] [--rotate-bytes 8388608]
 *   deno run -A bench/rotation_follow_load.ts --events 20000 --rotate-bytes 262144   (smoke)
 *
 * Prints one JSON object (events, delivered, out-of-order, duplicates, segments, seconds)
 * and exits 1 when any event was lost, repeated or reordered.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { readSegmentManifest } from "../execution/telemetry/segments.ts";
import { getExecutionSummary } from "../live/summary.ts";

const SESSION = "rotating";
const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Event `i` of the session: a pipeline's cycle intent, gate, order, fill. */
function event(i: number): ExecutionEvent {
  const kind = (["intent", "gate", "order", "fill"] as const)[i % 4];
  const payload: Record<string, unknown> = kind === "intent"
    ? {
      side: "buy",
      quantity: 0.4,
      current_price: 100_000 + (i % 1000),
      strategy_key: "momentum_v2",
    }
    : kind === "gate"
    ? {
      gate_name: "LotSize",
      passed: true,
      code: "OK",
      reason: "within limits",
      modified_qty: null,
    }
    : kind === "order"
    ? {
      client_id: `exec_${i}`,
      side: "buy",
      quantity: 0.4,
      order_type: "market",
      price: 100_000,
      notional: 40_000,
    }
    : {
      client_id: `exec_${i}`,
      side: "buy",
      filled_quantity: 0.4,
      fill_price: 100_020.5,
      fill_notional: 40_008.2,
      fill_fee: 4.0008,
    };
  return {
    ts: formatWireTimestamp(1_795_599_045_000_000 + i * 250),
    session_id: SESSION,
    symbol: i % 8 < 4 ? "BTC-USD" : "ETH-USD",
    mode: "paper",
    kind,
    payload,
  } as ExecutionEvent;
}

const args = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "1000000" },
    "rotate-bytes": { type: "string", default: String(8 * 1024 * 1024) },
    writer: { type: "string" },
    "log-dir": { type: "string" },
  },
});
const events = Number(args.values.events);
const rotateBytes = Number(args.values["rotate-bytes"]);
if (!Number.isSafeInteger(events) || events < 2 || !Number.isSafeInteger(rotateBytes)) {
  console.error("--events (≥ 2) and --rotate-bytes must be integers");
  Deno.exit(2);
}

if (args.values.writer !== undefined) {
  // Writer mode (a child): events 1 .. events-1 (event 0 was written before the follower started).
  const logger = new JsonlExecutionLogger({ baseDir: args.values.writer, rotateBytes });
  for (let i = 1; i < events; i++) {
    logger.emit(event(i));
    if (i % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await logger.close();
  Deno.exit(0);
}

const root = args.values["log-dir"] ?? await Deno.makeTempDir({ prefix: "rotation_follow_" });
const started = performance.now();
try {
  // Event 0 first: the follower's initial page shows it, and then it follows everything after.
  const first = new JsonlExecutionLogger({ baseDir: root });
  first.emit(event(0));
  await first.close();

  const follower = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "timeline", SESSION, "--follow", "--json", "--log-dir", root],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = follower.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let delivered = 0;
  let outOfOrder = 0;
  let expected = 1;
  const seen = new Set<number>();
  let duplicates = 0;
  let writer: Promise<Deno.CommandOutput> | null = null;
  // A follower that stops delivering (a lost event, a hang) fails the run instead of hanging it:
  // after 60 s without a line it is killed, its output ends, and the counts below say what arrived.
  const STALL_MS = 60_000;
  let stalled = false;
  let watchdog = setTimeout(() => {
    stalled = true;
    follower.kill("SIGKILL");
  }, STALL_MS);
  while (delivered < events) {
    const { value, done } = await lines.read();
    if (done) break;
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      follower.kill("SIGKILL");
    }, STALL_MS);
    buffer += value;
    let nl;
    while ((nl = buffer.indexOf("\n")) !== -1) {
      const row = JSON.parse(buffer.slice(0, nl)) as { seq: number };
      buffer = buffer.slice(nl + 1);
      delivered++;
      if (seen.has(row.seq)) duplicates++;
      seen.add(row.seq);
      if (row.seq !== expected) outOfOrder++;
      expected = row.seq + 1;
    }
    // The follower printed its first page: start writing (everything from here is followed).
    writer ??= new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--writer",
        root,
        "--events",
        String(events),
        "--rotate-bytes",
        String(rotateBytes),
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
  }
  clearTimeout(watchdog);
  const seconds = (performance.now() - started) / 1000;
  if (stalled) console.error(`the follower delivered nothing for ${STALL_MS / 1000} s: stopped`);
  else follower.kill("SIGINT");
  await follower.status;
  await lines.cancel().catch(() => {});
  const wrote = await writer;
  const summary = await getExecutionSummary(SESSION, { baseDir: root });
  const segments = (await readSegmentManifest(root, SESSION))?.segments.length ?? 0;
  const result = {
    events,
    rotate_bytes: rotateBytes,
    delivered,
    distinct: seen.size,
    duplicates,
    out_of_order: outOfOrder,
    summary_events: summary.event_count,
    segments,
    writer_exit: wrote?.code ?? null,
    seconds: Math.round(seconds * 10) / 10,
  };
  console.log(JSON.stringify(result));
  const ok = delivered === events && seen.size === events && duplicates === 0 &&
    outOfOrder === 0 && summary.event_count === events && wrote?.code === 0;
  if (!ok) Deno.exitCode = 1;
} finally {
  if (args.values["log-dir"] === undefined) await Deno.remove(root, { recursive: true });
}
