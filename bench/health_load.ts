/**
 * `health` on a large log root: by default 1,000 sessions and 10 GB (target:
 * under 2 s warm, in a fresh process as an operator or a cron job runs it).
 *
 * The root is built cheaply: each session file is a sparse file (a hole in
 * the middle) between real lines at its start and a real tail of ~1,200
 * lines, so its apparent size is what the disk-usage check sees while only
 * the tails are written. Most sessions were last written days ago (their
 * mtime is set so); a few are active, with their newest lines inside the
 * 15-minute window; a fifth are rotated, with a manifest and compressed
 * segments; a few are archived `.jsonl.gz` files.
 *
 * Usage:
 *   deno run -A bench/health_load.ts [--sessions 1000] [--gb 10] [--runs 5] [--keep DIR]
 * CI smoke check:
 *   deno run -A bench/health_load.ts --sessions 50 --gb 0.05 --runs 2
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { emptySegmentManifest, writeSegmentManifest } from "../execution/telemetry/segments.ts";
import { defaultHealthSettings } from "../execution/health_config.ts";
import { ActivityWindowReader } from "../ops/activity_window.ts";
import { computeHealth } from "../ops/health_report.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sessions: { type: "string", default: "1000" },
    gb: { type: "string", default: "10" },
    runs: { type: "string", default: "5" },
    keep: { type: "string" },
  },
});
const SESSIONS = Number(values.sessions);
const TOTAL_BYTES = Number(values.gb) * 1e9;
const RUNS = Math.max(2, Number(values.runs));
const ACTIVE = Math.max(1, Math.round(SESSIONS * 0.005));
const ROTATED_SHARE = 0.2;
const ARCHIVED_SHARE = 0.02;
/** Lines in each file's tail: more than the 1,000 a parse-error sample reads. */
const TAIL_LINES = 1200;
const DAY = 86_400_000;

function eventLine(sessionId: string, atMs: number, kind: string, seq: number): string {
  const payload = kind === "intent"
    ? { side: "buy", quantity: 0.5, current_price: 100000, strategy_key: "bench" }
    : {
      gate_name: "MinNotional",
      passed: seq % 5 !== 0,
      code: "NOTIONAL_OK",
      reason: "Notional $50000.00 >= min $10.00",
      modified_qty: null,
    };
  return JSON.stringify({
    ts: formatWireTimestamp(new Date(atMs)),
    session_id: sessionId,
    symbol: "BTC-USD",
    mode: "paper",
    kind,
    payload,
    seq,
  }) + "\n";
}

/** `count` alternating intent and gate lines, ending at `endMs`, one every 100 ms. */
function lines(sessionId: string, count: number, endMs: number, firstSeq: number): string {
  let text = "";
  for (let i = 0; i < count; i++) {
    text += eventLine(
      sessionId,
      endMs - (count - i) * 100,
      i % 2 === 0 ? "intent" : "gate",
      firstSeq + i,
    );
  }
  return text;
}

async function build(root: string): Promise<void> {
  const now = Date.now();
  const perSession = Math.floor(TOTAL_BYTES / SESSIONS);
  const encoder = new TextEncoder();
  for (let i = 0; i < SESSIONS; i++) {
    const id = `bench-${String(i).padStart(5, "0")}`;
    const active = i < ACTIVE;
    const endMs = active ? now : now - (2 + (i % 20)) * DAY;
    const head = encoder.encode(lines(id, 20, endMs - 3 * DAY, 1));
    const tail = encoder.encode(lines(id, TAIL_LINES, endMs, 1_000_000));
    if (i >= SESSIONS - Math.round(SESSIONS * ARCHIVED_SHARE)) {
      // A finished session archived whole (what retention leaves).
      const path = join(root, `${id}.jsonl.gz`);
      await Deno.writeFile(path, gzipSync(new Uint8Array([...head, ...tail])));
      await Deno.utime(path, new Date(endMs), new Date(endMs));
      continue;
    }
    const path = join(root, `${id}.jsonl`);
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      await file.write(head);
      // The hole: apparent size without writing it. It ends with a newline so lines stay lines.
      const holeEnd = Math.max(head.length, perSession - tail.length - 1);
      await file.truncate(holeEnd);
      await file.seek(holeEnd, Deno.SeekMode.Start);
      await file.write(encoder.encode("\n"));
      await file.write(tail);
    } finally {
      file.close();
    }
    await Deno.utime(path, new Date(endMs), new Date(endMs));
    if (i % Math.round(1 / ROTATED_SHARE) === 1) {
      const manifest = emptySegmentManifest(id);
      for (let k = 1; k <= 3; k++) {
        const seg = gzipSync(lines(id, 50, endMs - (4 - k) * DAY, k * 100));
        manifest.segments.push({
          index: k,
          file: `00000${k}.jsonl.gz`,
          start_offset: (k - 1) * 64 * 1024 * 1024,
          bytes: 64 * 1024 * 1024,
          compressed_bytes: seg.length,
          lines: 50,
          first_seq: k * 100,
          last_seq: k * 100 + 49,
          first_ts: formatWireTimestamp(new Date(endMs - (4 - k) * DAY - 5000)),
          last_ts: formatWireTimestamp(new Date(endMs - (4 - k) * DAY)),
          sha256: null,
          members: [{ offset: 0, start: 0, first_seq: k * 100 }],
          trigger: "size",
          closed_at: formatWireTimestamp(new Date(endMs - (4 - k) * DAY)),
          summary: null,
        });
        await writeSegmentManifest(root, manifest);
        await Deno.writeFile(join(root, ".segments", id, `00000${k}.jsonl.gz`), seg);
      }
    }
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const root = values.keep ?? await Deno.makeTempDir({ prefix: "peak-health-bench-" });
try {
  await Deno.mkdir(root, { recursive: true });
  const t0 = performance.now();
  await build(root);
  console.log(
    `built ${SESSIONS} sessions (${ACTIVE} active), ${
      (TOTAL_BYTES / 1e9).toFixed(2)
    } GB apparent, ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${root}`,
  );

  // In-process: the first computation, then later ones with the same window reader.
  const reader = new ActivityWindowReader();
  const settings = defaultHealthSettings();
  const inProcess: number[] = [];
  let status = "";
  let diskMb = 0;
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    const { report } = await computeHealth(root, { settings, windowReader: reader });
    inProcess.push(performance.now() - t);
    status = report.status;
    diskMb = report.checks[0].value ?? 0;
  }
  console.log(
    `in-process computeHealth: first ${inProcess[0].toFixed(0)} ms, median of later ` +
      `${median(inProcess.slice(1)).toFixed(0)} ms (status ${status}, disk ${diskMb} MB)`,
  );

  // The CLI in a fresh process each time, as cron or an operator runs it (the page cache is warm
  // after the first run).
  const main = new URL("../main.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const wall: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-sys=statfs",
        "--allow-env",
        "--config",
        config,
        main,
        "health",
        "--log-dir",
        root,
        "--json",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    wall.push(performance.now() - t);
    if (out.code > 3 || out.code === 1) {
      throw new Error(`health exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
    }
  }
  console.log(
    `main.ts health --json (fresh process): first ${wall[0].toFixed(0)} ms, warm median ` +
      `${median(wall.slice(1)).toFixed(0)} ms (target < 2000 ms)`,
  );
} finally {
  if (values.keep === undefined) await Deno.remove(root, { recursive: true });
}
