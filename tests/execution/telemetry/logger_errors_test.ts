import assert from "node:assert/strict";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import type { TelemetryErrorReport } from "../../../execution/telemetry/problem_reporter.ts";
import { ExecutionEventSchema } from "../../../execution/events.ts";
import { ExecutionPipeline } from "../../../execution/pipeline.ts";
import { SimulatedBrokerAdapter } from "../../../execution/simulated_broker.ts";
import {
  LotSizeGate,
  MinNotionalGate,
  PriceSanityGate,
  ResearchOnlyGate,
} from "../../../execution/gates/mod.ts";
import { fillEvent, readLines } from "./fixtures.ts";

function pipelineWith(logger: JsonlExecutionLogger): ExecutionPipeline {
  return new ExecutionPipeline({
    gates: [
      new PriceSanityGate(),
      new ResearchOnlyGate(),
      new LotSizeGate(),
      new MinNotionalGate(),
    ],
    adapter: new SimulatedBrokerAdapter(),
    emitter: logger,
  });
}

Deno.test("a log root that is a file: execution is unaffected, errors are counted and reported once", async () => {
  const dir = await Deno.makeTempDir();
  const reports: TelemetryErrorReport[] = [];
  try {
    const root = `${dir}/root`;
    Deno.writeTextFileSync(root, "not a directory");
    const logger = new JsonlExecutionLogger({ baseDir: root, onError: (r) => reports.push(r) });
    const pipeline = pipelineWith(logger);
    for (let i = 0; i < 20; i++) {
      const result = await pipeline.execute(0.5, 0.1, {
        mode: "paper",
        symbol: "BTC-USD",
        price: 100_000,
        sessionId: "s1",
      });
      assert.equal(result.status, "filled");
      await logger.flush(); // each flush retries and fails again
    }
    const stats = logger.stats;
    assert.equal(stats.written, 0);
    assert.ok(stats.errors >= 20, `errors ${stats.errors}`);
    assert.equal(stats.buffered, 20 * 7, "nothing recorded is lost while the disk fails");
    assert.equal(reports.length, 1, "reported once (rate-limited)");
    assert.match(reports[0].message, /cannot open .*root\/s1\.jsonl.*retried/);
    assert.equal(reports[0].path, `${root}/s1.jsonl`);

    // The operator fixes the directory: everything buffered is written, in order.
    Deno.removeSync(root);
    Deno.mkdirSync(root);
    await logger.close();
    const lines = readLines(`${root}/s1.jsonl`).map((l) => JSON.parse(l));
    assert.equal(lines.length, 140);
    assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: 140 }, (_, i) => i + 1));
    assert.equal(logger.stats.written, 140);
    assert.equal(logger.stats.dropped, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("beyond the buffer cap events are dropped, counted and reported with TELEMETRY_DROPPED", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/root`;
    Deno.writeTextFileSync(root, "not a directory");
    const oneLine = 300; // a fill line is a little under 300 bytes
    const logger = new JsonlExecutionLogger({
      baseDir: root,
      maxBufferedBytes: 10 * oneLine,
      onError: () => {},
    });
    for (let i = 0; i < 100; i++) logger.emit(fillEvent("s1", i));
    await logger.flush();
    const { buffered, dropped } = logger.stats;
    assert.ok(buffered >= 10 && buffered < 15, `buffered ${buffered}`);
    assert.equal(buffered + dropped, 100);
    assert.ok(logger.stats.bufferedBytes <= 10 * oneLine);

    Deno.removeSync(root);
    Deno.mkdirSync(root);
    await logger.flush();
    logger.emit(fillEvent("s1", 100)); // emitted after the gap
    await logger.close();
    const lines = readLines(`${root}/s1.jsonl`).map((l) => JSON.parse(l));
    assert.equal(lines.length, buffered + 2);
    const report = lines[buffered];
    assert.equal(report.kind, "error");
    assert.equal(report.payload.code, "TELEMETRY_DROPPED");
    assert.equal(report.payload.dropped, dropped);
    assert.match(report.payload.error, new RegExp(`${dropped} events dropped`));
    assert.equal(ExecutionEventSchema.safeParse(report).success, true);
    assert.equal(lines[buffered + 1].payload.client_id, "c-100");
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with onFull drop, a synchronous burst beyond the cap keeps memory bounded and reports the drop", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      maxBufferedBytes: 64 * 1024,
      onFull: "drop",
    });
    for (let i = 0; i < 5_000; i++) logger.emit(fillEvent("s1", i));
    assert.ok(logger.stats.bufferedBytes <= 64 * 1024);
    await logger.close();
    const { written, dropped } = logger.stats;
    assert.equal(written + dropped, 5_000);
    assert.ok(dropped > 0);
    const drops = readLines(`${dir}/s1.jsonl`).map((l) => JSON.parse(l)).filter((l) =>
      l.payload.code === "TELEMETRY_DROPPED"
    );
    assert.equal(drops.reduce((sum, l) => sum + l.payload.dropped, 0), dropped);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("by default a synchronous burst beyond the cap is written on the caller's path: memory bounded, nothing dropped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, maxBufferedBytes: 64 * 1024 });
    let peak = 0;
    for (let i = 0; i < 5_000; i++) {
      logger.emit(fillEvent("s1", i));
      peak = Math.max(peak, logger.stats.bufferedBytes);
    }
    assert.ok(peak <= 64 * 1024, `buffered up to ${peak} bytes`);
    await logger.close();
    assert.deepEqual([logger.stats.written, logger.stats.dropped], [5_000, 0]);
    const lines = readLines(`${dir}/s1.jsonl`).map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.payload.client_id), lines.map((_, i) => `c-${i}`));
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a log root removed while running is recreated on the next batch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/logs/execution`;
    const logger = new JsonlExecutionLogger({ baseDir: root });
    logger.emit(fillEvent("s1", 0));
    await logger.flush();
    await Deno.remove(`${dir}/logs`, { recursive: true });
    logger.emit(fillEvent("s1", 1));
    await logger.close();
    assert.equal(readLines(`${root}/s1.jsonl`).length, 1);
    assert.equal(logger.stats.errors, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session path that is a directory is an error, retried until it is fixed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${dir}/s1.jsonl`);
    const logger = new JsonlExecutionLogger({ baseDir: dir, onError: () => {} });
    logger.emit(fillEvent("s1", 0));
    await logger.flush();
    assert.equal(logger.stats.written, 0);
    assert.equal(logger.stats.errors, 1);
    Deno.removeSync(`${dir}/s1.jsonl`);
    await logger.close();
    assert.equal(logger.stats.written, 1);
    assert.equal(readLines(`${dir}/s1.jsonl`).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("events still failing at close are counted as dropped and close() resolves", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/root`, "");
    const logger = new JsonlExecutionLogger({ baseDir: `${dir}/root`, onError: () => {} });
    for (let i = 0; i < 3; i++) logger.emit(fillEvent("s1", i));
    await logger.close();
    assert.deepEqual(
      [logger.stats.written, logger.stats.dropped, logger.stats.buffered],
      [0, 3, 0],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("emit() after close() is dropped and counted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, onError: () => {} });
    await logger.close();
    logger.emit(fillEvent("s1", 0));
    assert.equal(logger.stats.dropped, 1);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reporter that throws does not reach the caller", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      onError: () => {
        throw new Error("reporter broken");
      },
    });
    logger.emit({ ...fillEvent("s1", 0), session_id: "../x" });
    await logger.close();
    assert.equal(logger.stats.refused, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the default reporter writes one actionable line to stderr", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/root`, "");
    const code = `
      import { JsonlExecutionLogger } from ${
      JSON.stringify(new URL("../../../execution/telemetry/logger.ts", import.meta.url).href)
    };
      const logger = new JsonlExecutionLogger({ baseDir: ${JSON.stringify(`${dir}/root`)} });
      for (let i = 0; i < 5; i++) {
        logger.emit({ ts: "2026-11-25T09:30:45.000000+00:00", session_id: "s1", symbol: "X",
          mode: "paper", kind: "error", payload: { error: "e", code: "c", stacktrace: null } });
        await logger.flush();
      }
      await logger.close();`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", code],
      cwd: new URL("../../..", import.meta.url).pathname,
      stderr: "piped",
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    // Deno itself may warn on stderr (a lockfile being updated); look at our lines only.
    const stderr = new TextDecoder().decode(out.stderr).split("\n");
    const ours = stderr.filter((line) => line.startsWith("peak-trade telemetry:"));
    assert.equal(ours.length, 1, stderr.join("\n"));
    assert.match(ours[0], /^peak-trade telemetry: cannot open .*root\/s1\.jsonl: .*check that/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether this process may mount a small tmpfs (root in a container that allows it). */
function canMountTmpfs(): boolean {
  if (Deno.build.os !== "linux" || Deno.uid?.() !== 0) return false;
  const probe = Deno.makeTempDirSync();
  try {
    const mounted =
      new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=16k", "tmpfs", probe] })
        .outputSync().success;
    if (mounted) new Deno.Command("umount", { args: [probe] }).outputSync();
    return mounted;
  } catch {
    return false;
  } finally {
    Deno.removeSync(probe);
  }
}

Deno.test({
  name:
    "a full disk: short writes never leave a broken event and everything is written once space returns",
  ignore: !canMountTmpfs(),
  async fn() {
    const dir = await Deno.makeTempDir();
    const mount = (...args: string[]) =>
      assert.ok(new Deno.Command("mount", { args }).outputSync().success, args.join(" "));
    mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
    try {
      const reports: string[] = [];
      const logger = new JsonlExecutionLogger({
        baseDir: dir,
        onError: (r) => reports.push(r.message),
      });
      for (let i = 0; i < 1_000; i++) {
        logger.emit(fillEvent("full", i));
        if (i % 100 === 99) await logger.flush();
      }
      await logger.flush();
      assert.ok(logger.stats.errors > 0);
      assert.ok(logger.stats.written < 1_000);
      assert.equal(logger.stats.written + logger.stats.buffered, 1_000);
      assert.match(reports[0], /cannot write .*full\.jsonl: .*disk has space/);

      mount("-o", "remount,size=2m", dir);
      await logger.close();
      assert.equal(logger.stats.written, 1_000);
      const parsed: number[] = [];
      let torn = 0;
      for (const line of readLines(`${dir}/full.jsonl`)) {
        try {
          parsed.push(JSON.parse(line).seq);
        } catch {
          torn++;
        }
      }
      assert.ok(torn <= 1, `${torn} torn fragments`);
      assert.deepEqual(parsed, Array.from({ length: 1_000 }, (_, i) => i + 1));
    } finally {
      new Deno.Command("umount", { args: [dir] }).outputSync();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("flush() and close() write an event emitted while the previous drain is finishing", async () => {
  // The event arrives k microtasks after a drain started: for some k, just after that drain
  // looked at the queue for the last time. flush() and close() must still write it.
  for (const ending of ["flush", "close"] as const) {
    for (let k = 0; k < 40; k++) {
      const dir = await Deno.makeTempDir();
      try {
        const logger = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });
        logger.emit(fillEvent("s", 0));
        const first = logger.flush();
        for (let i = 0; i < k; i++) await null;
        logger.emit(fillEvent("s", 1));
        if (ending === "flush") await logger.flush();
        else await logger.close();
        assert.equal(readLines(`${dir}/s.jsonl`).length, 2, `${ending}, k=${k}`);
        await first;
        await logger.close();
        assert.equal(logger.stats.dropped, 0, `${ending}, k=${k}`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  }
});

Deno.test("a session file removed between the writes of one drain is recreated with the rest", async () => {
  // 20,000 fill events are about 5 MB: one drain writes them in several writes of 1 MiB.
  for (const k of [1, 3, 6]) {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/s.jsonl`;
      const logger = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });
      for (let i = 0; i < 20_000; i++) logger.emit(fillEvent("s", i));
      const flushed = logger.flush();
      for (let i = 0; i < k; i++) await null;
      const removed = readLines(path).length;
      Deno.removeSync(path);
      await flushed;
      await logger.close();
      const rest = readLines(path).map((line) => JSON.parse(line).seq);
      assert.ok(removed < 20_000, `k=${k}: the file was removed during the drain`);
      assert.equal(rest.length, 20_000 - removed, `k=${k}`);
      rest.forEach((seq, i) => assert.equal(seq, removed + i + 1));
      assert.equal(logger.stats.written, 20_000);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("a flush() called while close() runs leaves every event written or counted as dropped", async () => {
  for (let k = 0; k < 30; k++) {
    const dir = await Deno.makeTempDir();
    try {
      // Session a cannot be written (its path is a directory) until the test removes it.
      Deno.mkdirSync(`${dir}/a.jsonl`);
      const logger = new JsonlExecutionLogger({ baseDir: dir, onError: () => {} });
      for (let i = 0; i < 10_000; i++) logger.emit(fillEvent(i % 2 === 0 ? "a" : "b", i));
      const closed = logger.close();
      for (let i = 0; i < k; i++) await null;
      Deno.removeSync(`${dir}/a.jsonl`);
      const flushed = logger.flush();
      await Promise.all([closed, flushed]);
      const { written, dropped, buffered } = logger.stats;
      assert.equal(buffered, 0, `k=${k}`);
      assert.equal(written + dropped, 10_000, `k=${k}`);
      // Session a's file exists only when the flush got to it before close() dropped its events.
      let a = 0;
      try {
        a = readLines(`${dir}/a.jsonl`).length;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      assert.equal(a + readLines(`${dir}/b.jsonl`).length, written, `k=${k}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("close() gives lines kept after a failed write one more try before counting them dropped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s1.jsonl`;
    let fixes = 0;
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      // The failure passes as soon as it is reported (another writer's rotation does the same).
      onError: () => {
        if (fixes++ === 0) Deno.removeSync(path);
      },
    });
    logger.emit(fillEvent("s1", 0));
    await logger.flush();
    // The session's path now names a directory: the next write fails once.
    Deno.renameSync(path, `${dir}/earlier.jsonl`);
    Deno.mkdirSync(path);
    logger.emit(fillEvent("s1", 1));
    await logger.close();
    assert.equal(fixes, 1, "one failure was reported");
    assert.deepEqual([logger.stats.written, logger.stats.dropped], [2, 0]);
    assert.deepEqual(readLines(path).map((l) => JSON.parse(l).payload.client_id), ["c-1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
