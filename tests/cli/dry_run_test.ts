import assert from "node:assert/strict";
import { runDryRunCommand } from "../../cli/dry_run.ts";
import { memoryIo } from "../../cli/io.ts";
import { readEvents } from "./helpers.ts";
import { ExecutionEventSchema } from "../../execution/events.ts";
import type { ExecutionResult } from "../../execution/types.ts";
import { readSegmentManifest } from "../../execution/telemetry/segments.ts";
import { getExecutionSummary } from "../../live/summary.ts";

const ORDER = order("BTC-USD", "0.5", "0.1", "100000");

/** The original's report for ORDER (reference §11), without its config-file warning lines. */
const REFERENCE_REPORT = `======================================================================
🚀 SIMPLIFIED EXECUTION PIPELINE DRY-RUN
======================================================================

📊 INPUT:
  Symbol:           BTC-USD
  Mode:             paper
  Price:            $100,000.00
  Target Position:  0.500000
  Current Position: 0.100000
  Desired Delta:    0.400000

⚙️  EXECUTION:

🔒 GATE DECISIONS:
  PriceSanity          ✅ PASS     Price valid
  ResearchOnly         ✅ PASS     Mode paper allows research code
  LotSize              ✅ PASS     Rounded 0.400000 → 0.400000
  MinNotional          ✅ PASS     Notional $40000.00 >= min $10.00

✅ EXECUTION ALLOWED

📝 PLANNED ORDERS:
  Order 1:
    Side:     BUY
    Quantity: 0.400000
    Price:    $100,000.00
    Notional: $40,000.00
    Type:     market

💰 SIMULATED FILLS:
  Fill 1:
    Side:     BUY
    Quantity: 0.400000
    Price:    $100,020.00 (incl. slippage)
    Notional: $40,008.00
    Fee:      $0.0000

📊 SUMMARY:
  Total Filled:  0.400000
  Total Notional: $40,008.00
  Total Fees:     $0.0000

======================================================================
✅ DRY-RUN COMPLETE
======================================================================
`;

/** The order flags of the dry-run. */
function order(symbol: string, target: string, current: string, price: string): string[] {
  return ["--symbol", symbol, "--target", target, "--current", current, "--price", price];
}

function assertIncludes(text: string, fragment: string): void {
  assert.ok(text.includes(fragment), `expected ${JSON.stringify(fragment)} in:\n${text}`);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dry_run_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("dry-run prints the original's report line for line and exits 0 when allowed", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand([...ORDER, "--no-telemetry"], io);
  assert.equal(code, 0);
  assert.equal(io.stdout(), REFERENCE_REPORT);
  assert.equal(io.stderr(), "");
});

Deno.test("dry-run exits 1 and prints the block reason when a gate blocks", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand(
    [...order("BTC-USD", "0.5", "0.1", "0"), "--no-telemetry"],
    io,
  );
  assert.equal(code, 1);
  const out = io.stdout();
  assertIncludes(out, "  PriceSanity          ❌ BLOCK    Invalid price: 0.0\n");
  assertIncludes(
    out,
    "❌ EXECUTION BLOCKED\n   Reason: PriceSanity: Invalid price: 0.0\n   Code:   PRICE_INVALID\n",
  );
  assert.doesNotMatch(out, /PLANNED ORDERS/);
});

Deno.test("dry-run shows LotSize's modified quantity and the tags, sorted", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand(
    [
      ...order("ETH-USD", "1.23456789", "0", "3500"),
      "--tags",
      " zeta, research_only ,",
      "--no-telemetry",
    ],
    io,
  );
  assert.equal(code, 0);
  assertIncludes(io.stdout(), "  Tags:             research_only, zeta\n");
  assertIncludes(
    io.stdout(),
    "  LotSize              ✅ PASS     Rounded 1.234568 → 1.234500\n    └─ Modified qty: 1.234500\n",
  );
});

Deno.test("dry-run reads a negative position given as a separate argument", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand(
    [...order("BTC-USD", "-0.1", "-0.5", "100000"), "--no-telemetry", "--json"],
    io,
  );
  assert.equal(code, 0);
  const result = JSON.parse(io.stdout());
  assert.equal(result.desiredDelta, -0.1 - -0.5);
  assert.equal(result.orders[0].side, "buy");
});

Deno.test("dry-run exits 0 for a no-op and says why nothing happened", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand(
    [...order("BTC-USD", "0.5", "0.5", "100000"), "--no-telemetry"],
    io,
  );
  assert.equal(code, 0);
  assert.match(io.stdout(), /the target equals the current position/);
  assert.match(io.stdout(), /✅ DRY-RUN COMPLETE/);
});

Deno.test("dry-run --json prints the ExecutionResult as JSON and nothing else on stdout", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    const code = await runDryRunCommand([
      ...ORDER,
      "--json",
      "--log-dir",
      dir,
      "--session",
      "json-1",
    ], io);
    assert.equal(code, 0);
    const result = JSON.parse(io.stdout()) as ExecutionResult;
    assert.equal(result.status, "filled");
    assert.equal(result.totalNotional, 40008);
    assert.equal(result.gateDecisions.length, 4);
    assert.equal(result.context.sessionId, "json-1");
    // The telemetry line goes to stderr so that stdout stays one JSON document.
    assert.equal(io.stderr(), `Telemetry: 7 events written to ${dir}/json-1.jsonl\n`);
  });
});

Deno.test("dry-run --json of a blocked order exits 1 with the block in the JSON", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand(
    [...order("X", "nan", "0", "10"), "--json", "--no-telemetry"],
    io,
  );
  assert.equal(code, 1);
  const result = JSON.parse(io.stdout());
  assert.equal(result.status, "blocked");
  assert.equal(result.code, "INPUT_INVALID");
  assert.equal(result.desiredDelta, null); // NaN becomes null in JSON
});

Deno.test("dry-run --mode live plans the order in both the context and the pipeline", async () => {
  const io = memoryIo();
  const code = await runDryRunCommand([...ORDER, "--mode", "live", "--json", "--no-telemetry"], io);
  assert.equal(code, 0);
  const result = JSON.parse(io.stdout());
  assert.equal(result.status, "planned");
  assert.equal(result.context.mode, "live");
  assert.equal(result.orders.length, 1);
  assert.equal(result.fills.length, 0);
});

Deno.test("dry-run --mode paper fills even when the config says live (no mode mismatch)", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/live.toml`;
    await Deno.writeTextFile(config, '[execution]\nmode = "live"\n');
    const io = memoryIo();
    assert.equal(
      await runDryRunCommand([
        ...ORDER,
        "--config",
        config,
        "--mode",
        "paper",
        "--json",
        "--no-telemetry",
      ], io),
      0,
    );
    assert.equal(JSON.parse(io.stdout()).status, "filled");
    const io2 = memoryIo();
    assert.equal(
      await runDryRunCommand([...ORDER, "--config", config, "--json", "--no-telemetry"], io2),
      0,
    );
    const planned = JSON.parse(io2.stdout());
    assert.equal(planned.status, "planned");
    assert.equal(planned.context.mode, "live");
  });
});

Deno.test("dry-run applies the config's fee to the report", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/fees.toml`;
    await Deno.writeTextFile(config, "[execution]\nfee_bps = 10.0\n");
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...ORDER, "--config", config, "--no-telemetry"], io), 0);
    assertIncludes(io.stdout(), "    Fee:      $40.0080\n");
    assertIncludes(io.stdout(), "  Total Fees:     $40.0080\n");
  });
});

Deno.test("dry-run exits 2 with one line naming the path when --config does not exist", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    const code = await runDryRunCommand([
      ...ORDER,
      "--config",
      `${dir}/missing.toml`,
      "--no-telemetry",
    ], io);
    assert.equal(code, 2);
    assert.equal(io.stdout(), "");
    assert.equal(
      io.stderr(),
      `peak-trade dry-run: ${dir}/missing.toml: config file not found: check the path, or leave the option out to use the defaults\n`,
    );
  });
});

Deno.test("dry-run exits 2 on an invalid config and prints every problem with its location", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/bad.toml`;
    await Deno.writeTextFile(config, '[execution]\nfee_bps = "10"\nmode = "PAPER"\n');
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...ORDER, "--config", config], io), 2);
    assert.equal(
      io.stderr(),
      `peak-trade dry-run: ${config}:2:11: execution.fee_bps: expected a number, got "10"\n` +
        `peak-trade dry-run: ${config}:3:8: execution.mode: expected one of "backtest", "paper", "live", got "PAPER"\n`,
    );
  });
});

Deno.test("dry-run exits 2 with a one-line message on usage errors", async () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /Unknown option '--bogus'/],
    [["--symbol", "BTC-USD", "--target", "1"], /an order needs --current, --price as well/],
    [[...ORDER.slice(0, 6), "--price", "abc"], /--price: expected a number, got "abc"/],
    [
      [...ORDER, "--mode", "research"],
      /--mode: expected one of backtest, paper, live, got "research"/,
    ],
    [[...ORDER, "--session", "../etc"], /--session: invalid session id "\.\.\/etc"/],
    [[...ORDER, "--json=yes"], /'--json' does not take an argument/],
    [["positional"], /Unexpected argument 'positional'/],
    [[...ORDER, "--interactive"], /--interactive asks for the order itself/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...args, "--no-telemetry"], io), 2, args.join(" "));
    const err = io.stderr();
    assert.match(err, message);
    assert.equal(err.split("\n").length, 2, `one line: ${err}`);
    assert.match(
      err,
      /^peak-trade dry-run: .*\(see `peak-trade dry-run --help` or `deno task dry-run --help`\)\n$/,
    );
    assert.equal(io.stdout(), "");
  }
});

Deno.test("dry-run --help lists every flag and exits 0", async () => {
  const io = memoryIo();
  assert.equal(await runDryRunCommand(["--help"], io), 0);
  for (
    const flag of [
      "--config",
      "--symbol",
      "--target",
      "--current",
      "--price",
      "--mode",
      "--tags",
      "--session",
      "--log-dir",
      "--no-telemetry",
      "--json",
      "--interactive",
    ]
  ) {
    assert.ok(io.stdout().includes(flag), flag);
  }
});

Deno.test("dry-run writes every decision of the order to <log-dir>/<session>.jsonl", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...ORDER, "--log-dir", dir, "--session", "s-1"], io), 0);
    assert.ok(io.stdout().endsWith(`Telemetry: 7 events written to ${dir}/s-1.jsonl\n`));
    const events = await readEvents(`${dir}/s-1.jsonl`);
    assert.deepEqual(events.map((e) => e.kind), [
      "intent",
      "gate",
      "gate",
      "gate",
      "gate",
      "order",
      "fill",
    ]);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
    for (const e of events) {
      assert.ok(ExecutionEventSchema.safeParse(e).success);
      assert.equal(e.session_id, "s-1");
    }
  });
});

Deno.test("dry-run takes the log root from the config and writes nothing when telemetry is off", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/c.toml`;
    await Deno.writeTextFile(
      config,
      `[execution.telemetry]\nbase_path = ${JSON.stringify(`${dir}/from-config`)}\n`,
    );
    assert.equal(
      await runDryRunCommand([...ORDER, "--config", config, "--session", "cfg"], memoryIo()),
      0,
    );
    assert.equal((await readEvents(`${dir}/from-config/cfg.jsonl`)).length, 7);

    assert.equal(
      await runDryRunCommand([...ORDER, "--log-dir", `${dir}/off`, "--no-telemetry"], memoryIo()),
      0,
    );
    const disabled = `${dir}/disabled.toml`;
    await Deno.writeTextFile(disabled, "[execution.telemetry]\nenabled = false\n");
    assert.equal(
      await runDryRunCommand(
        [...ORDER, "--config", disabled, "--log-dir", `${dir}/off`],
        memoryIo(),
      ),
      0,
    );
    await assert.rejects(Deno.stat(`${dir}/off`), Deno.errors.NotFound);
  });
});

Deno.test("dry-run without order flags runs the demo: 3 symbols, every gate blocks, fills and a live plan", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runDryRunCommand(["--log-dir", dir, "--session", "demo"], io), 0);
    const out = io.stdout();
    assert.match(out, /^DEMO SCENARIO: 14 orders over 3 symbols \(session demo\)\n/);
    for (
      const code of [
        "PRICE_INVALID",
        "RESEARCH_BLOCKED_LIVE",
        "QTY_ROUNDS_TO_ZERO",
        "NOTIONAL_BELOW_MIN",
        "INPUT_INVALID",
      ]
    ) {
      assert.ok(out.includes(code), code);
    }
    assert.match(out, /Outcome: 6 filled, 6 blocked, 1 planned, 1 noop\n/);
    const events = await readEvents(`${dir}/demo.jsonl`);
    assert.ok(events.every((e) => ExecutionEventSchema.safeParse(e).success));
    const blockedBy = new Set(
      events.filter((e) => e.kind === "gate" && !(e.payload as { passed: boolean }).passed)
        .map((e) => (e.payload as { gate_name: string }).gate_name),
    );
    for (const gate of ["PriceSanity", "ResearchOnly", "LotSize", "MinNotional"]) {
      assert.ok(blockedBy.has(gate), `${gate} blocks at least once`);
    }
    assert.ok(
      events.some((e) => e.mode === "live" && e.kind === "order"),
      "a live order is planned",
    );
    assert.equal(new Set(events.map((e) => e.symbol)).size, 3);
  });
});

Deno.test("dry-run --interactive runs one order per prompt round until an empty answer", async () => {
  const io = memoryIo({
    input: ["BTC-USD", "0.5", "0.1", "100000", "ETH-USD", "1", "0", "abc", "0", ""],
  });
  const code = await runDryRunCommand(["--interactive", "--no-telemetry"], io);
  assert.equal(code, 1, "the second order is blocked (price 0)");
  const out = io.stdout();
  assert.equal(out.split("🚀 SIMPLIFIED EXECUTION PIPELINE DRY-RUN").length - 1, 2);
  assert.match(out, /Symbol \(empty to finish\): /);
  assert.match(out, /Reason: PriceSanity: Invalid price: 0\.0/);
  assert.match(io.stderr(), /--price: expected a number, got "abc"; try again/);
});

Deno.test("dry-run --interactive stops at end of input and exits 0 when all were allowed", async () => {
  const io = memoryIo({ input: ["BTC-USD", "0.5", "0.1", "100000"] });
  assert.equal(await runDryRunCommand(["--interactive", "--no-telemetry", "--json"], io), 0);
  const lines = io.stdout().split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, "stdout holds only the JSON line; prompts go to stderr");
  assert.equal(JSON.parse(lines[0]).status, "filled");
  assert.match(io.stderr(), /Symbol \(empty to finish\): Target position: /);
});

Deno.test("main.ts dry-run in a subprocess exits 0 when allowed and 1 when blocked", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const run = async (args: string[]) =>
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "dry-run", ...args, "--no-telemetry"],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const ok = await run(ORDER);
  assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
  assert.equal(new TextDecoder().decode(ok.stdout), REFERENCE_REPORT);
  const blocked = await run([...ORDER.slice(0, 6), "--price", "-1"]);
  assert.equal(blocked.code, 1);
  const usage = await run(["--mode", "nope"]);
  assert.equal(usage.code, 2);
});

Deno.test("dry-run exits 2 before any order when --log-dir is a file, and alters nothing", async () => {
  await withTempDir(async (dir) => {
    const notADir = `${dir}/file`;
    await Deno.writeTextFile(notADir, "I am a file\n");
    for (const logDir of [notADir, `${notADir}/below`]) {
      const io = memoryIo();
      const code = await runDryRunCommand([...ORDER, "--log-dir", logDir, "--session", "s"], io);
      assert.equal(code, 2, logDir);
      assert.equal(io.stdout(), "", "no order ran, so no report and no 'Telemetry:' line");
      assert.match(io.stderr(), /telemetry log directory \(--log-dir\)/);
      assertIncludes(io.stderr(), notADir);
      assert.match(io.stderr(), /pass a writable directory with --log-dir, or --no-telemetry/);
      assert.equal(io.stderr().trim().split("\n").length, 1, io.stderr());
    }
    assert.equal(
      await Deno.readTextFile(notADir),
      "I am a file\n",
      "nothing already there is altered",
    );
    // --no-telemetry needs no log directory at all.
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...ORDER, "--log-dir", notADir, "--no-telemetry"], io), 0);
  });
});

Deno.test("dry-run names the config key when the config's base_path cannot be used", async () => {
  await withTempDir(async (dir) => {
    const notADir = `${dir}/file`;
    await Deno.writeTextFile(notADir, "x\n");
    const config = `${dir}/execution.toml`;
    await Deno.writeTextFile(
      config,
      `[execution.telemetry]\nbase_path = ${JSON.stringify(notADir)}\n`,
    );
    const io = memoryIo();
    assert.equal(await runDryRunCommand([...ORDER, "--config", config], io), 2);
    assertIncludes(io.stderr(), `execution.telemetry.base_path in ${config}`);
    assertIncludes(io.stderr(), `${notADir} exists but is not a directory`);
  });
});

Deno.test("dry-run creates a missing --log-dir, parents included", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    const logDir = `${dir}/a/b/execution`;
    assert.equal(await runDryRunCommand([...ORDER, "--log-dir", logDir, "--session", "s"], io), 0);
    assert.ok((await Deno.stat(`${logDir}/s.jsonl`)).isFile);
    assert.deepEqual(
      [...Deno.readDirSync(logDir)].map((e) => e.name),
      ["s.jsonl"],
      "no probe left",
    );
  });
});

Deno.test("dry-run --help says which tag has an effect", async () => {
  const io = memoryIo();
  assert.equal(await runDryRunCommand(["--help"], io), 0);
  assert.match(io.stdout(), /only research_only has an effect/);
});

Deno.test("dry-run --interactive ends the open prompt line at end of input", async () => {
  const io = memoryIo({ input: [] });
  assert.equal(await runDryRunCommand(["--interactive", "--no-telemetry"], io), 0);
  assert.equal(io.stdout(), "Symbol (empty to finish): \n");
  const half = memoryIo({ input: ["BTC-USD", "0.5"] });
  assert.equal(await runDryRunCommand(["--interactive", "--no-telemetry", "--json"], half), 0);
  assert.equal(half.stdout(), "", "with --json, prompts and their line ends go to stderr");
  assert.ok(half.stderr().endsWith("Current position: \n"), JSON.stringify(half.stderr()));
});

Deno.test("dry-run gives its own one-line error for a log directory Deno may not touch", async () => {
  // As `deno task dry-run` runs it: without --allow-all, Deno refuses /proc outright.
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      main,
      "dry-run",
      ...ORDER,
      "--log-dir",
      "/proc/nope",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 2, err);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.equal(
    err,
    "peak-trade dry-run: telemetry log directory (--log-dir): cannot use /proc/nope: access is " +
      "not permitted; pass a writable directory with --log-dir, or --no-telemetry\n",
  );
});

Deno.test("dry-run exits 2 when --config is not a regular file, without reading it", async () => {
  await withTempDir(async (dir) => {
    await Deno.symlink("/dev/null", `${dir}/link.toml`);
    for (const config of ["/dev/null", `${dir}/link.toml`]) {
      const io = memoryIo();
      assert.equal(await runDryRunCommand([...ORDER, "--config", config, "--no-telemetry"], io), 2);
      assert.equal(io.stdout(), "", "no order ran");
      assert.match(io.stderr(), /^peak-trade dry-run: .*: is not a regular file/);
    }
  });
});

Deno.test("dry-run of a no-op says there is nothing to do, and exits 0", async () => {
  const io = memoryIo();
  assert.equal(
    await runDryRunCommand([...order("BTC-USD", "0.5", "0.5", "100000"), "--no-telemetry"], io),
    0,
  );
  assert.match(io.stdout(), /NOTHING TO DO/);
  assert.doesNotMatch(io.stdout(), /EXECUTION ALLOWED/);
});

Deno.test("dry-run's writer rotates as the config's [execution.telemetry.rotation] says", async () => {
  await withTempDir(async (dir) => {
    const logs = `${dir}/logs`;
    const config = `${dir}/rotating.toml`;
    await Deno.writeTextFile(
      config,
      "[execution.telemetry.rotation]\nmax_bytes = 4096\ndaily = false\n",
    );
    const io = memoryIo();
    assert.equal(
      await runDryRunCommand(["--config", config, "--log-dir", logs, "--session", "demo"], io),
      0,
    );
    const written = Number(/Telemetry: (\d+) events written/.exec(io.stdout())?.[1]);
    const manifest = await readSegmentManifest(logs, "demo");
    assert.ok(manifest !== null && manifest.segments.length >= 1, "closed at 4 KiB");
    // Every event is still in the session, across its segments.
    assert.equal((await getExecutionSummary("demo", { baseDir: logs })).event_count, written);

    // Without the table: the default 64 MiB, so the demo stays in one file.
    const plain = memoryIo();
    assert.equal(await runDryRunCommand(["--log-dir", logs, "--session", "plain"], plain), 0);
    assert.equal(await readSegmentManifest(logs, "plain"), null);
  });
});
