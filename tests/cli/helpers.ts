/** Shared helpers of the CLI tests. */
import assert from "node:assert/strict";
import type { DashboardServer } from "../../cli/serve.ts";
import { type CliIo, memoryIo } from "../../cli/io.ts";
import { REFUSED_SESSION_IDS } from "../live/helpers.ts";

/** Resolves with the server once it listens, or rejects if the command exits first. */
export function listening(
  exit: Promise<number>,
  started: Promise<DashboardServer>,
): Promise<DashboardServer> {
  return Promise.race([
    started,
    exit.then((code) =>
      Promise.reject(new Error(`the command exited with ${code} before listening`))
    ),
  ]);
}

/** The events of a JSONL session file, parsed. */
export async function readEvents(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** Assert that a reading command refuses every invalid session id with exit 2, before any I/O. */
export async function assertRefusesInvalidSessionIds(
  run: (args: string[], io: CliIo) => Promise<number>,
): Promise<void> {
  const io = memoryIo();
  assert.equal(await run(["../../etc/passwd", "--log-dir", "/nonexistent"], io), 2);
  assert.match(io.stderr(), /invalid session id "..\/..\/etc\/passwd"/);
  for (const id of REFUSED_SESSION_IDS) {
    const refused = memoryIo();
    assert.equal(await run([id, "--log-dir", "/nonexistent"], refused), 2, JSON.stringify(id));
    assert.match(refused.stderr(), /invalid session id/);
  }
}
