/**
 * Events and file helpers shared by the telemetry tests.
 *
 * @module
 */
import type { ExecutionEvent } from "../../../execution/events.ts";
import { formatWireTimestamp } from "../../../execution/wire_time.ts";

/** 2026-11-25T09:30:45.000000+00:00 in epoch microseconds. */
export const BASE_MICROS = 1_795_599_045_000_000;

/** A fill event of `session` whose timestamp is `i` microseconds after the base. */
export function fillEvent(session: string, i: number, clientId = `c-${i}`): ExecutionEvent {
  return {
    ts: formatWireTimestamp(BASE_MICROS + i),
    session_id: session,
    symbol: "BTC-USD",
    mode: "paper",
    kind: "fill",
    payload: {
      client_id: clientId,
      side: "buy",
      filled_quantity: 0.4,
      fill_price: 100_020.5,
      fill_notional: 40_008.2,
      fill_fee: 0,
    },
  };
}

/** The lines of a file (without the final empty string after the last `\n`). */
export function readLines(path: string): string[] {
  const text = Deno.readTextFileSync(path);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Every entry under `dir`, recursively, as paths relative to it (sorted). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of Deno.readDirSync(`${dir}${sub}`)) {
      const rel = `${sub}/${entry.name}`;
      out.push(rel);
      if (entry.isDirectory) walk(rel);
    }
  };
  walk("");
  return out.sort();
}

/** Run the writer helper script with `args`, without waiting for it. */
export function spawnWriter(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./writer_helper.ts", import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Read a child's stdout until a line equal to `marker` appears; fails after `timeoutMs`. */
export async function waitForLine(
  child: Deno.ChildProcess,
  marker: string,
  timeoutMs = 30_000,
): Promise<void> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no "${marker}" from the child within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    let seen = "";
    while (!seen.split("\n").includes(marker)) {
      const { value, done } = await Promise.race([reader.read(), deadline]);
      if (done) throw new Error(`the child ended before printing "${marker}": ${seen}`);
      seen += value;
    }
  } finally {
    clearTimeout(timer);
    // Keep draining stdout so the child never blocks on a full pipe.
    reader.releaseLock();
  }
}
