// `deno task serve` runs with the permissions listed in deno.json, not --allow-all: the metrics
// it serves must be complete under exactly those (free space needs --allow-sys=statfs).
import assert from "node:assert/strict";
import denoConfig from "../../deno.json" with { type: "json" };
import { withLogDir } from "../routes/fixtures.ts";

/** The `deno run` flags of a task of deno.json. */
function taskFlags(task: string): string[] {
  const command = (denoConfig.tasks as Record<string, string>)[task];
  return command.split(" ").filter((word) => word.startsWith("--allow-"));
}

/** Read `stream` until a line matches `pattern`, at most `timeoutMs`. */
async function lineMatching(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => reader.cancel(), timeoutMs);
  let text = "";
  try {
    while (true) {
      const match = text.match(pattern);
      if (match !== null) return match;
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`no line matching ${pattern} in:\n${text}`);
      text += chunk.value;
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
}

Deno.test("under the serve task's permissions /metrics has the disk and process families", async () => {
  await withLogDir(async (dir) => {
    const flags = taskFlags("serve");
    assert.ok(flags.includes("--allow-sys=statfs"), flags.join(" "));
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...flags,
        new URL("../../main.ts", import.meta.url).pathname,
        "serve",
        "--port",
        "0",
        "--log-dir",
        dir,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    try {
      const [, url] = await lineMatching(child.stdout, /Dashboard: (http:\S+)/, 60_000);
      const res = await fetch(new URL("/metrics", url));
      assert.equal(res.status, 200);
      const text = await res.text();
      for (
        const sample of [
          /^peak_exec_filesystem_avail_bytes \d+/m,
          /^peak_exec_filesystem_size_bytes \d+/m,
          /^process_cpu_seconds_total [\d.]+/m,
          /^process_open_fds \d+/m,
        ]
      ) {
        assert.match(text, sample);
      }
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await stderr;
    }
  });
});
