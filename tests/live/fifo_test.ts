import assert from "node:assert/strict";
import { withTempDir } from "./helpers.ts";

const decoder = new TextDecoder();

async function mkfifoAvailable(path: string): Promise<boolean> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output().catch(() => null);
  return made !== null && made.success;
}

/**
 * Run a child script; its output, or a failure when it has not finished within
 * `timeoutMs` (it is killed then: a blocked reader never finishes by itself).
 */
async function runChild(script: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(script, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    assert.equal(out.signal, null, `the child was blocked and killed after ${timeoutMs} ms`);
    assert.equal(out.code, 0, decoder.decode(out.stderr));
    return decoder.decode(out.stdout);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("a FIFO created in the log root while a session is followed blocks nothing when the follow stops", async () => {
  await withTempDir(async (dir) => {
    if (!(await mkfifoAvailable(`${dir}/probe.fifo`))) return console.log("skipped: no mkfifo");
    Deno.removeSync(`${dir}/probe.fifo`);
    await Deno.writeTextFile(`${dir}/s.jsonl`, '{"kind":"intent","payload":{}}\n');
    assert.equal((await runChild("./fifo/follow_then_fifo.ts", [dir])).trim(), "alive");
  });
});

Deno.test("a FIFO swapped in under a session's name after the check reads as absent in every reader", async () => {
  await withTempDir(async (dir) => {
    if (!(await mkfifoAvailable(`${dir}/s.jsonl`))) return console.log("skipped: no mkfifo");
    await Deno.writeTextFile(`${dir}/regular.jsonl`, '{"kind":"intent","payload":{}}\n');
    const answers = JSON.parse(await runChild("./fifo/swapped_fifo.ts", [dir]));
    assert.deepEqual(answers, { timeline: false, summary: false, start: null, followed: 0 });
  });
});

/** `main.ts serve` on a free loopback port with `dir` as its log root; resolves with its URL. */
async function startServe(dir: string): Promise<{ child: Deno.ChildProcess; url: URL }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../../main.ts", import.meta.url).pathname,
      "serve",
      "--port",
      "0",
      "--log-dir",
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/Dashboard: (\S+)/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve ended before listening: ${seen}`);
    seen += value;
  }
  // Keep draining its output so it never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  return { child, url: new URL(/Dashboard: (\S+)/.exec(seen)![1]) };
}

/** `/healthz` answers 200 within `ms`. */
async function healthy(url: URL, ms = 5_000): Promise<void> {
  const res = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(ms) });
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

/** SIGTERM ends the server within `ms`. */
async function stopsOnSigterm(child: Deno.ChildProcess, ms = 5_000): Promise<void> {
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  try {
    const status = await child.status;
    assert.notEqual(status.signal, "SIGKILL", `serve did not stop within ${ms} ms of SIGTERM`);
  } finally {
    clearTimeout(timer);
    await child.stderr.cancel().catch(() => {});
  }
}

Deno.test("serve: a FIFO made in the log root during a live stream blocks neither requests nor shutdown", async () => {
  await withTempDir(async (dir) => {
    if (!(await mkfifoAvailable(`${dir}/probe.fifo`))) return console.log("skipped: no mkfifo");
    Deno.removeSync(`${dir}/probe.fifo`);
    await Deno.writeTextFile(`${dir}/s.jsonl`, '{"kind":"intent","payload":{}}\n');
    const { child, url } = await startServe(dir);
    try {
      const stream = await fetch(new URL("/api/live/execution/s/stream", url));
      const events = stream.body!.getReader();
      await events.read(); // the stream is open and its follower watching
      await new Deno.Command("mkfifo", { args: [`${dir}/z.fifo`] }).output();
      await Deno.writeTextFile(`${dir}/s.jsonl`, '{"kind":"fill","payload":{}}\n', {
        append: true,
      });
      await events.cancel(); // the stream closes: its follower stops
      await healthy(url);
      await healthy(url);
    } finally {
      await stopsOnSigterm(child);
    }
  });
});

Deno.test("serve: a session swapped for a FIFO answers as missing; requests and shutdown go on", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/s.jsonl`, '{"kind":"intent","payload":{}}\n');
    const { child, url } = await startServe(dir);
    try {
      const before = await fetch(new URL("/api/live/execution/s/summary", url));
      assert.equal((await before.json()).event_count, 1);
      Deno.removeSync(`${dir}/s.jsonl`);
      if (!(await mkfifoAvailable(`${dir}/s.jsonl`))) return console.log("skipped: no mkfifo");
      for (
        const path of [
          "/api/live/execution/s/summary",
          "/api/live/execution/s",
          "/api/live/sessions",
        ]
      ) {
        const res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(5_000) });
        await res.body?.cancel();
        assert.ok(res.status < 500, `${path}: ${res.status}`);
      }
      await healthy(url);
    } finally {
      await stopsOnSigterm(child);
    }
  });
});
