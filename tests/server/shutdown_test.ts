// Shutdown and per-session waits are bounded, whatever a file read does: a child dashboard whose
// session `stuck` has a read that never finishes (a hung filesystem) still answers /healthz,
// answers requests queued behind the stuck one with 503 after the request deadline, and stops
// within 5 s of SIGTERM with a live stream open and the stuck read under way.
import assert from "node:assert/strict";
import { withLogDir } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil } from "./raw_http.ts";

const FIXTURE = new URL("./fixtures/stuck_read_serve.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

interface Child {
  port: number;
  process: Deno.ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: () => boolean;
  status: Promise<Deno.CommandStatus>;
}

function collect(stream: ReadableStream<Uint8Array<ArrayBuffer>>): () => string {
  let text = "";
  stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  return () => text;
}

/** Start the fixture over `dir` (with a `stuck.jsonl` whose reads hang) and wait for its URL. */
async function startChild(dir: string, args: string[]): Promise<Child> {
  const fifo = "-";
  await Deno.writeTextFile(`${dir}/stuck.jsonl`, '{"kind":"intent"}\n');
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      FIXTURE,
      fifo,
      "--port",
      "0",
      "--log-dir",
      dir,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = collect(process.stdout);
  const stderr = collect(process.stderr);
  let exited = false;
  const status = process.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = Date.now() + 60_000;
  let match: RegExpExecArray | null;
  while ((match = /Dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout())) === null) {
    if (exited || Date.now() > deadline) {
      throw new Error(`the dashboard did not start: ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port: Number(match[1]), process, stdout, stderr, exited: () => exited, status };
}

/** Send SIGTERM and return how long the child took to exit, and its exit code. */
async function terminate(child: Child): Promise<{ ms: number; code: number }> {
  const start = performance.now();
  child.process.kill("SIGTERM");
  const { code } = await child.status;
  return { ms: performance.now() - start, code };
}

Deno.test({
  name: "SIGTERM ends the server within 5 s with a live stream open and a file read stuck",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withLogDir(async (dir) => {
      const child = await startChild(dir, ["--request-timeout", "120"]);
      const conns: Deno.TcpConn[] = [];
      try {
        const stream = await rawConnect(child.port, get("/api/live/execution/s1/stream"));
        conns.push(stream);
        await readUntil(stream, (text) => text.includes(": connected"));
        const stuck = await rawConnect(child.port, get("/api/live/execution/stuck/summary"));
        conns.push(stuck);
        const health = await fetch(`http://127.0.0.1:${child.port}/healthz`);
        assert.equal(health.status, 200, "other routes answer while a read is stuck");
        await health.body?.cancel();
        const { ms, code } = await terminate(child);
        assert.ok(ms < 5000, `stopped after ${Math.round(ms)} ms`);
        assert.equal(code, 0);
        assert.match(child.stdout(), /Dashboard stopped/);
        assert.match(
          child.stderr(),
          /shutdown: requests still under way after 3000 ms were cut off/,
        );
      } finally {
        conns.forEach(closeQuietly);
        if (!child.exited()) child.process.kill("SIGKILL");
        await child.status;
      }
    });
  },
});

Deno.test({
  name: "requests queued behind a stuck session read are answered 503 at the request deadline",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withLogDir(async (dir) => {
      const child = await startChild(dir, ["--request-timeout", "1"]);
      try {
        const url = `http://127.0.0.1:${child.port}/api/live/execution/stuck/summary`;
        // The first read never finishes; the second waits for the session's summary lock.
        const answers = await Promise.all([fetch(url), fetch(url)]);
        for (const res of answers) {
          assert.equal(res.status, 503);
          assert.equal(res.headers.get("retry-after"), "5");
          assert.equal((await res.json()).error, "request_timeout");
        }
        const health = await fetch(`http://127.0.0.1:${child.port}/healthz`);
        assert.equal(health.status, 200);
        await health.body?.cancel();
        assert.match(
          child.stderr(),
          /503 request_timeout from 127\.0\.0\.1: GET \/api\/live\/execution\/stuck\/summary/,
        );
        const { ms, code } = await terminate(child);
        assert.ok(ms < 5000, `stopped after ${Math.round(ms)} ms`);
        assert.equal(code, 0);
      } finally {
        if (!child.exited()) child.process.kill("SIGKILL");
        await child.status;
      }
    });
  },
});

Deno.test({
  name: "SIGTERM ends the process within 5 s even when the main thread is frozen",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withLogDir(async (dir) => {
      const fixture = new URL("./fixtures/frozen_serve.ts", import.meta.url).pathname;
      const process = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", CONFIG, fixture, "--port", "0", "--log-dir", dir],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stdout = collect(process.stdout);
      const stderr = collect(process.stderr);
      try {
        const deadline = Date.now() + 60_000;
        while (!stdout().includes("frozen")) {
          assert.ok(Date.now() < deadline, `the fixture did not freeze: ${stderr()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const start = performance.now();
        process.kill("SIGTERM");
        const status = await process.status;
        const ms = performance.now() - start;
        assert.ok(ms < 5000, `ended after ${Math.round(ms)} ms`);
        assert.equal(status.signal, "SIGKILL", "killed by the watchdog");
        assert.match(stderr(), /shutdown did not finish within 4000 ms .*killing the process/);
        // The private socket directory a killed process cannot remove: the watchdog removed it.
        const dirs = JSON.parse(/frozen (.*)/.exec(stdout())![1]) as string[];
        assert.equal(dirs.length, 1, `one private directory: ${dirs}`);
        assert.throws(() => Deno.lstatSync(dirs[0]), Deno.errors.NotFound);
      } finally {
        try {
          process.kill("SIGKILL");
        } catch {
          // Already gone.
        }
        await process.status;
      }
    });
  },
});
