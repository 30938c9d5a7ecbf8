import assert from "node:assert/strict";
import { join } from "node:path";
import { getExecutionSummary, readExecutionEvents } from "../../mod.ts";
import { EventCounts } from "../../execution/metrics/event_counts.ts";
import { LogRootCounts } from "../../live/log_root_counts.ts";
import { gzipSync } from "node:zlib";
import {
  FIXTURES,
  rotateNow,
  sessionLines,
  tsAt,
  wireLine,
  withRotatedAndReference,
  withTempDir,
} from "./helpers.ts";

const KINDS = ["intent", "gate", "order", "fill", "error"];

/**
 * The label tallies of session files, computed the slow, obvious way: every line decoded by
 * the general reader (not the summary's byte scanner), labels mapped by hand.
 */
async function tallyFiles(paths: string[]): Promise<{ counts: EventCounts; invalid: number }> {
  const counts = new EventCounts();
  let invalid = 0;
  for (const path of paths) {
    const reader = readExecutionEvents(path);
    for await (const e of reader) {
      const p = (typeof e.payload === "object" && e.payload !== null ? e.payload : {}) as Record<
        string,
        unknown
      >;
      const lowerMode = (e.mode ?? "").toLowerCase();
      const mode = ["backtest", "paper", "live"].includes(lowerMode) ? lowerMode : "other";
      counts.addEvents(KINDS.includes(e.kind) ? e.kind : "unknown", mode, 1);
      if (e.kind === "gate") {
        const gate = String(p.gate_name ?? p.gate ?? "") || "unknown";
        const passed = typeof p.passed === "boolean"
          ? p.passed
          : ["ALLOW", "PASS"].includes(String(p.decision).toUpperCase());
        counts.addGateDecisions(gate, passed ? "pass" : "block", 1);
        if (!passed) counts.addGateBlocks(gate, typeof p.code === "string" ? p.code : "none", 1);
      } else if (e.kind === "fill") {
        const side = String(p.side ?? "").toLowerCase();
        counts.addFills(side === "buy" || side === "sell" ? side : "other", 1);
        counts.addFillAmounts(
          Number.isFinite(p.fill_notional) ? p.fill_notional as number : 0,
          Number.isFinite(p.fill_fee) ? p.fill_fee as number : 0,
        );
      } else if (e.kind === "error") {
        const code = p.code === "ADAPTER_FAILED" || p.code === "TELEMETRY_DROPPED"
          ? p.code
          : "other";
        counts.addErrors(code, 1);
      }
    }
    invalid += reader.stats.invalid_lines + reader.stats.oversized_lines;
  }
  return { counts, invalid };
}

/** Nested counts as sorted entries, for deepEqual regardless of insertion order. */
function flat(counts: EventCounts): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (family: string, key: string, n: number) => {
    out[`${family}:${key}`] = (out[`${family}:${key}`] ?? 0) + n;
  };
  for (const [a, m] of counts.events) for (const [b, n] of m) add("events", `${a}/${b}`, n);
  for (const [a, m] of counts.gateDecisions) {
    for (const [b, n] of m) add("decisions", `${a}/${b}`, n);
  }
  for (const [a, m] of counts.gateBlocks) for (const [b, n] of m) add("blocks", `${a}/${b}`, n);
  for (const [a, n] of counts.fills) add("fills", a, n);
  for (const [a, n] of counts.errors) add("errors", a, n);
  return Object.fromEntries(Object.entries(out).sort());
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function gateLine(session: string, seconds: number, gate: string, passed: boolean, code: string) {
  return wireLine(session, {
    ts: tsAt(seconds),
    kind: "gate",
    payload: { gate_name: gate, passed, code, reason: "r", modified_qty: null },
  });
}

Deno.test("log root counts equal a line-by-line tally of files of this product and of the original", async () => {
  await withTempDir(async (dir) => {
    for (const name of ["bad_lines", "golden_16d_style", "python_written"]) {
      await Deno.copyFile(join(FIXTURES, `${name}.jsonl`), join(dir, `${name}.jsonl`));
    }
    await Deno.writeTextFile(
      join(dir, "mixed.jsonl"),
      gateLine("mixed", 1, "LotSize", false, "QTY_BELOW_MIN") +
        // An escape in a captured string: read by the general decoder, not the byte scanner.
        gateLine("mixed", 2, "LotSize", false, "QTY_BELOW_MIN").replace(
          "LotSize",
          "Lot\\u0053ize",
        ) +
        wireLine("mixed", {
          kind: "fill",
          payload: { side: "SELL", fill_notional: 10, fill_fee: 0.5 },
        }) +
        wireLine("mixed", { kind: "error", payload: { error: "x", code: "TELEMETRY_DROPPED" } }) +
        wireLine("mixed", { kind: "error", payload: { error: "x", code: "E42" } }),
    );
    const paths = [...Deno.readDirSync(dir)].map((e) => join(dir, e.name));
    const expected = await tallyFiles(paths);
    const snapshot = await new LogRootCounts(dir).refresh();
    assert.deepEqual(flat(snapshot.counts), flat(expected.counts));
    assert.ok(near(snapshot.counts.fillNotional, expected.counts.fillNotional));
    assert.ok(near(snapshot.counts.fillFees, expected.counts.fillFees));
    assert.equal(snapshot.invalidLines, expected.invalid);
    assert.ok(snapshot.invalidLines > 0, "the bad-lines fixture has invalid lines");
    assert.equal(snapshot.counts.gateBlockTotal("LotSize", "QTY_BELOW_MIN"), 2);
  });
});

Deno.test("log root counts agree with each session's summary", async () => {
  await withTempDir(async (dir) => {
    for (const name of ["bad_lines", "golden_16d_style", "python_written"]) {
      await Deno.copyFile(join(FIXTURES, `${name}.jsonl`), join(dir, `${name}.jsonl`));
    }
    const { counts } = await new LogRootCounts(dir).refresh();
    let events = 0, fills = 0, blocks = 0, notional = 0;
    for (const name of ["bad_lines", "golden_16d_style", "python_written"]) {
      const summary = await getExecutionSummary(name, { baseDir: dir });
      events += summary.event_count;
      fills += summary.fills.count;
      notional += summary.fills.notional;
      blocks += Object.values(summary.gate_blocks).reduce((a, b) => a + b, 0);
    }
    assert.equal(counts.eventTotal(), events);
    assert.equal(counts.fillTotal(), fills);
    assert.equal(counts.gateBlockTotal(), blocks);
    assert.ok(near(counts.fillNotional, notional));
  });
});

Deno.test("a refresh reads only what was appended, and nothing of unchanged files", async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, "a.jsonl");
    await Deno.writeTextFile(a, gateLine("a", 1, "LotSize", true, "LOT_SIZE_OK").repeat(50));
    await Deno.writeTextFile(
      join(dir, "b.jsonl"),
      gateLine("b", 1, "LotSize", true, "OK").repeat(50),
    );
    const root = new LogRootCounts(dir);
    await root.refresh();
    const cold = root.bytesRead;
    assert.equal(cold, Deno.statSync(a).size + Deno.statSync(join(dir, "b.jsonl")).size);

    const unchanged = await root.refresh();
    assert.equal(root.bytesRead, cold, "nothing read when nothing changed");
    assert.equal(unchanged.counts.eventTotal(), 100);

    const extra = gateLine("a", 2, "LotSize", false, "QTY_BELOW_MIN");
    await Deno.writeTextFile(a, extra, { append: true });
    const grown = await root.refresh();
    assert.equal(
      root.bytesRead - cold,
      new TextEncoder().encode(extra).length,
      "only the appended line of the grown file is read",
    );
    assert.equal(grown.counts.eventTotal(), 101);
    assert.equal(grown.counts.gateBlockTotal("LotSize", "QTY_BELOW_MIN"), 1);
  });
});

Deno.test("counts never go down: a removed or truncated session keeps what it counted", async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, "a.jsonl");
    await Deno.writeTextFile(a, gateLine("a", 1, "LotSize", false, "X").repeat(3));
    await Deno.writeTextFile(
      join(dir, "b.jsonl"),
      gateLine("b", 1, "LotSize", false, "X").repeat(2),
    );
    const root = new LogRootCounts(dir);
    assert.equal((await root.refresh()).counts.gateBlockTotal(), 5);
    await Deno.remove(join(dir, "b.jsonl"));
    const removed = await root.refresh();
    assert.equal(removed.counts.gateBlockTotal(), 5, "b's blocks stay counted");
    assert.equal(removed.sessions.active + removed.sessions.idle, 1);
    // Rotated or rewritten: a new, shorter file under the same name counts on top.
    await Deno.writeTextFile(a, gateLine("a", 9, "LotSize", false, "X"));
    const truncated = await root.refresh();
    assert.equal(truncated.counts.gateBlockTotal(), 6);
    await Deno.writeTextFile(a, gateLine("a", 10, "LotSize", false, "X"), { append: true });
    assert.equal((await root.refresh()).counts.gateBlockTotal(), 7);
  });
});

Deno.test("sessions are active, idle or archived, and other files are not sessions", async () => {
  await withTempDir(async (dir) => {
    const now = Date.now();
    await Deno.writeTextFile(join(dir, "fresh.jsonl"), wireLine("fresh", { kind: "intent" }));
    await Deno.writeTextFile(join(dir, "old.jsonl"), wireLine("old", { kind: "intent" }));
    const hourAgo = new Date(now - 60 * 60 * 1000);
    await Deno.utime(join(dir, "old.jsonl"), hourAgo, hourAgo);
    await Deno.writeFile(join(dir, "done.jsonl.gz"), new Uint8Array(64));
    await Deno.writeTextFile(join(dir, "notes.txt"), "x");
    await Deno.writeTextFile(join(dir, "bad id!.jsonl"), wireLine("x", { kind: "intent" }));
    await Deno.symlink(join(dir, "fresh.jsonl"), join(dir, "link.jsonl"));
    await Deno.mkdir(join(dir, "folder.jsonl"));
    const snapshot = await new LogRootCounts(dir, { now: () => now }).refresh();
    assert.deepEqual(snapshot.sessions, { active: 1, idle: 1, archived: 1 });
    assert.equal(snapshot.counts.eventTotal(), 2, "the link and the bad id are not read");
    let bytes = 0;
    for (
      const name of ["fresh.jsonl", "old.jsonl", "done.jsonl.gz", "notes.txt", "bad id!.jsonl"]
    ) {
      bytes += Deno.statSync(join(dir, name)).size;
    }
    assert.equal(snapshot.logBytes, bytes, "regular files only");
  });
});

Deno.test("the newest event timestamp is the latest over every session", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.jsonl"), wireLine("a", { ts: tsAt(5), kind: "intent" }));
    await Deno.writeTextFile(
      join(dir, "b.jsonl"),
      wireLine("b", { ts: tsAt(90, 250), kind: "intent" }) +
        wireLine("b", { ts: tsAt(30), kind: "fill" }),
    );
    const snapshot = await new LogRootCounts(dir).refresh();
    assert.equal(snapshot.lastEventSeconds, Date.UTC(2026, 10, 25, 9, 31, 30) / 1000 + 0.00025);
  });
});

Deno.test("a log root that does not exist yet has no session and no event", async () => {
  await withTempDir(async (dir) => {
    const snapshot = await new LogRootCounts(join(dir, "missing")).refresh();
    assert.deepEqual(snapshot.sessions, { active: 0, idle: 0, archived: 0 });
    assert.equal(snapshot.counts.eventTotal(), 0);
    assert.equal(snapshot.lastEventSeconds, null);
    assert.equal(snapshot.logBytes, 0);
    assert.equal(snapshot.filesystem, null);
  });
});

Deno.test("the filesystem figures are those of the log root's filesystem", async () => {
  await withTempDir(async (dir) => {
    const snapshot = await new LogRootCounts(dir).refresh();
    assert.ok(snapshot.filesystem !== null);
    assert.ok(snapshot.filesystem.sizeBytes > 0);
    assert.ok(snapshot.filesystem.availBytes >= 0);
    assert.ok(snapshot.filesystem.availBytes <= snapshot.filesystem.sizeBytes);
  });
});

Deno.test("concurrent refreshes share one run and count each line once", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "a.jsonl"),
      gateLine("a", 1, "LotSize", false, "X").repeat(10),
    );
    const root = new LogRootCounts(dir);
    const [first, second] = await Promise.all([root.refresh(), root.refresh()]);
    assert.equal(first, second);
    assert.equal(first.counts.gateBlockTotal(), 10);
  });
});

Deno.test("a session file that cannot be read keeps its counts and does not fail the refresh", async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, "a.jsonl");
    await Deno.writeTextFile(a, gateLine("a", 1, "LotSize", false, "X").repeat(2));
    await Deno.writeTextFile(join(dir, "b.jsonl"), gateLine("b", 1, "LotSize", false, "X"));
    const root = new LogRootCounts(dir);
    assert.equal((await root.refresh()).counts.gateBlockTotal(), 3);
    await Deno.writeTextFile(a, gateLine("a", 2, "LotSize", false, "X"), { append: true });
    // An open that fails as it would without permission (the tests may run as root): the
    // session opener (RegularFile.open) checks the path with lstat before opening it; the
    // listing's own lstat of the directory entry still succeeds, as it does for real.
    const lstat = Deno.lstatSync;
    Deno.lstatSync = ((path: string | URL) => {
      if (String(path) === a && new Error().stack?.includes("RegularFile.open")) {
        throw new Deno.errors.PermissionDenied(`permission denied: ${path}`);
      }
      return lstat(path);
    }) as typeof Deno.lstatSync;
    try {
      const snapshot = await root.refresh();
      assert.equal(snapshot.counts.gateBlockTotal(), 3, "a keeps what it had counted");
      assert.equal(snapshot.sessions.active + snapshot.sessions.idle, 2);
    } finally {
      Deno.lstatSync = lstat;
    }
    assert.equal((await root.refresh()).counts.gateBlockTotal(), 4, "read on once readable");
  });
});

Deno.test("a rotated session counts every segment, as the same bytes in one file", async () => {
  const text = sessionLines("r", 1200);
  await withRotatedAndReference("r", text, 16 * 1024, async (rotated, reference) => {
    const got = await new LogRootCounts(rotated).refresh();
    const want = await new LogRootCounts(reference).refresh();
    assert.equal(got.counts.eventTotal(), 1200);
    assert.deepEqual(flat(got.counts), flat(want.counts));
    assert.ok(near(got.counts.fillNotional, want.counts.fillNotional));
    assert.equal(got.lastEventSeconds, want.lastEventSeconds);
    assert.deepEqual(got.sessions, want.sessions);
    // The segments' bytes are on disk too.
    const segments = [...Deno.readDirSync(`${rotated}/.segments/r`)]
      .reduce((n, e) => n + Deno.statSync(`${rotated}/.segments/r/${e.name}`).size, 0);
    assert.equal(got.logBytes, Deno.statSync(`${rotated}/r.jsonl`).size + segments);
  });
});

Deno.test("counts read on across a rotation: a segment that was the active file counts once", async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, "a.jsonl");
    await Deno.writeTextFile(a, gateLine("a", 1, "LotSize", false, "X").repeat(3));
    const root = new LogRootCounts(dir);
    assert.equal((await root.refresh()).counts.gateBlockTotal(), 3);
    await rotateNow(dir, "a");
    const rotated = await root.refresh();
    assert.equal(rotated.counts.gateBlockTotal(), 3, "the closed segment is not counted again");
    const read = root.bytesRead;
    const more = gateLine("a", 2, "LotSize", false, "X");
    await Deno.writeTextFile(a, more, { append: true });
    const grown = await root.refresh();
    assert.equal(grown.counts.gateBlockTotal(), 4);
    assert.equal(root.bytesRead - read, new TextEncoder().encode(more).length, "only the new line");
    // A collector started now (a server restart) counts the same from the segments.
    assert.equal((await new LogRootCounts(dir).refresh()).counts.gateBlockTotal(), 4);
  });
});

Deno.test("a whole-session archive is counted once; archiving a counted session counts nothing twice", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(
      join(dir, "old.jsonl.gz"),
      gzipSync(gateLine("old", 1, "LotSize", false, "X").repeat(2)),
    );
    const a = join(dir, "a.jsonl");
    await Deno.writeTextFile(a, gateLine("a", 1, "LotSize", false, "X").repeat(3));
    const root = new LogRootCounts(dir);
    const first = await root.refresh();
    assert.equal(first.counts.gateBlockTotal(), 5);
    assert.deepEqual(first.sessions, { active: 1, idle: 0, archived: 1 });
    // The original's retention: the finished session becomes <id>.jsonl.gz, the plain file goes.
    await Deno.writeFile(join(dir, "a.jsonl.gz"), gzipSync(Deno.readFileSync(a)));
    await Deno.remove(a);
    const archived = await root.refresh();
    assert.equal(archived.counts.gateBlockTotal(), 5);
    assert.deepEqual(archived.sessions, { active: 0, idle: 0, archived: 2 });
  });
});
