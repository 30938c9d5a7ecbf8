import assert from "node:assert/strict";
import {
  buildExecutionPipeline,
  ConfigError,
  ExecutionConfigSchema,
  loadExecutionConfig,
  parseExecutionConfig,
  telemetryLoggerOptions,
  telemetryRetentionSettings,
} from "../../execution/config.ts";
import { MemoryEmitter } from "../../execution/emitters.ts";

const DEFAULTS = {
  execution: {
    mode: "paper",
    slippage_bps: 2,
    fee_bps: 0,
    min_notional: 10,
    lot_size: 0.0001,
    min_qty: 0.0001,
    gates: { block_research_in_live: true },
    telemetry: {
      enabled: true,
      base_path: "logs/execution",
      rotation: { max_bytes: 64 * 1024 * 1024, daily: true },
    },
  },
};

/** The retention table's defaults (the original's policy plus active_grace_minutes). */
const RETENTION_DEFAULTS = {
  enabled: true,
  max_age_days: 30,
  keep_last_n_sessions: 200,
  max_total_mb: 2048,
  compress_after_days: 7,
  protect_keep_last_from_compress: false,
  active_grace_minutes: 60,
};

function configError(toml: string): ConfigError {
  try {
    parseExecutionConfig(toml, "config.toml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("an empty config gives the original's defaults plus telemetry defaults", () => {
  assert.deepEqual(parseExecutionConfig(""), DEFAULTS);
  assert.deepEqual(parseExecutionConfig("[execution]\n"), DEFAULTS);
  assert.deepEqual(ExecutionConfigSchema.parse({}), DEFAULTS);
});

Deno.test("every key is read from its table, dotted keys included", () => {
  const config = parseExecutionConfig(`
[execution]
mode = "live"
slippage_bps = 5
fee_bps = -2.5
min_notional = 0
lot_size = 0.001
min_qty = 0.002
gates.block_research_in_live = false

[execution.telemetry]
enabled = false
base_path = "/var/log/peak"

[execution.telemetry.rotation]
max_bytes = 8388608
daily = false

[execution.telemetry.retention]
enabled = false
max_age_days = 14.5
keep_last_n_sessions = 3
max_total_mb = 512
compress_after_days = 0
protect_keep_last_from_compress = true
active_grace_minutes = 5
`);
  assert.deepEqual(config, {
    execution: {
      mode: "live",
      slippage_bps: 5,
      fee_bps: -2.5,
      min_notional: 0,
      lot_size: 0.001,
      min_qty: 0.002,
      gates: { block_research_in_live: false },
      telemetry: {
        enabled: false,
        base_path: "/var/log/peak",
        rotation: { max_bytes: 8388608, daily: false },
        retention: {
          enabled: false,
          max_age_days: 14.5,
          keep_last_n_sessions: 3,
          max_total_mb: 512,
          compress_after_days: 0,
          protect_keep_last_from_compress: true,
          active_grace_minutes: 5,
        },
      },
    },
  });
});

Deno.test("the documented example file parses and spells out every default", async () => {
  const config = await loadExecutionConfig(
    new URL("../../docs/examples/execution.toml", import.meta.url).pathname,
  );
  // The retention table is optional (absent means "the defaults"); the example spells it out.
  assert.deepEqual(config, {
    execution: {
      ...DEFAULTS.execution,
      telemetry: { ...DEFAULTS.execution.telemetry, retention: RETENTION_DEFAULTS },
    },
  });
});

Deno.test("a config without a retention table has the default retention policy", () => {
  const config = parseExecutionConfig("");
  assert.equal(config.execution.telemetry.retention, undefined);
  assert.deepEqual(telemetryRetentionSettings(config), RETENTION_DEFAULTS);
  assert.deepEqual(
    telemetryRetentionSettings(
      parseExecutionConfig("[execution.telemetry.retention]\nmax_age_days = 14\n"),
    ),
    { ...RETENTION_DEFAULTS, max_age_days: 14 },
  );
});

Deno.test("a wrong type names the file, line, column and key, and shows the value", () => {
  const err = configError('[execution]\nmode = "paper"\nfee_bps = "10"\n');
  assert.equal(err.message, 'config.toml:3:11: execution.fee_bps: expected a number, got "10"');
  assert.equal(err.file, "config.toml");
  assert.equal(err.keyPath, "execution.fee_bps");
  assert.equal(err.line, 3);
  assert.equal(err.column, 11);
});

Deno.test('the string "false" is not a boolean', () => {
  const err = configError('[execution.gates]\nblock_research_in_live = "false"\n');
  assert.equal(
    err.message,
    'config.toml:2:26: execution.gates.block_research_in_live: expected a boolean (true or false, without quotes), got "false"',
  );
  assert.equal(
    configError("[execution.telemetry]\nenabled = 0\n").message,
    "config.toml:2:11: execution.telemetry.enabled: expected a boolean (true or false, without quotes), got 0",
  );
});

Deno.test("other top-level tables of a shared config file are ignored", () => {
  const config = parseExecutionConfig(
    '[strategy]\nfast = 12\n\n[execution]\nfee_bps = 5.0\n\n[exec]\nx = 1\n[database]\nurl = "pg://"\n',
    "config.toml",
  );
  assert.equal(config.execution.fee_bps, 5);
  assert.equal(config.execution.slippage_bps, 2);
  assert.equal(buildExecutionPipeline(config).gates.length, 4);
});

Deno.test("a near-miss of [execution] at top level is an error that suggests it", () => {
  const cases: [string, string][] = [
    [
      "[executoin]\nfee_bps = 1\n",
      "config.toml:1:2: executoin: unknown table; did you mean [execution]?",
    ],
    ["[Execution]\n", "config.toml:1:2: Execution: unknown table; did you mean [execution]?"],
    [
      "[EXECUTION.gates]\nx = 1\n",
      "config.toml:1:2: EXECUTION: unknown table; did you mean [execution]?",
    ],
    [
      "[executon]\nmode = 1\n",
      "config.toml:1:2: executon: unknown table; did you mean [execution]?",
    ],
    [
      "[strategy]\n\n[executions]\n",
      "config.toml:3:2: executions: unknown table; did you mean [execution]?",
    ],
  ];
  for (const [toml, message] of cases) {
    const err = configError(toml);
    assert.equal(err.message, message, toml);
  }
  assert.equal(ExecutionConfigSchema.safeParse({ execuion: {} }).success, false);
  assert.throws(() => buildExecutionPipeline({ Execution: {} } as never), ConfigError);
});

Deno.test("an execution key written above every table is an error that names its table", () => {
  assert.equal(
    configError("fee_bps = 10.0\n\n[strategy]\nfast = 12\n").message,
    "config.toml:1:1: fee_bps: belongs in [execution]; at the top level it would be ignored",
  );
  assert.equal(
    configError("block_research_in_live = false\n").message,
    "config.toml:1:1: block_research_in_live: belongs in [execution.gates]; at the top level it would be ignored",
  );
  // A shared config's own top-level `mode` is not ours to judge.
  assert.equal(parseExecutionConfig('mode = "live"\n', "config.toml").execution.mode, "paper");
});

Deno.test("an unknown key is an error that lists the allowed keys", () => {
  const err = configError("[execution]\nslipage_bps = 3\n");
  assert.equal(
    err.message,
    "config.toml:2:1: execution.slipage_bps: unknown key (allowed here: mode, slippage_bps, fee_bps, min_notional, lot_size, min_qty, gates, telemetry, alerts)",
  );
  assert.match(
    configError("[execution.gates]\nblock = true\n").message,
    /allowed here: block_research_in_live/,
  );
  assert.match(
    configError('[execution.telemetry]\nbackend = "jsonl"\n').message,
    /allowed here: enabled, base_path/,
  );
});

Deno.test("a bad mode is an error that lists the modes (case-sensitive)", () => {
  for (const mode of ["PAPER", " paper", "research"]) {
    const err = configError(`[execution]\nmode = ${JSON.stringify(mode)}\n`);
    assert.equal(
      err.message,
      `config.toml:2:8: execution.mode: expected one of "backtest", "paper", "live", got ${
        JSON.stringify(mode)
      }`,
    );
  }
});

Deno.test("negative lot_size, min_qty and min_notional are out of range", () => {
  for (const key of ["lot_size", "min_qty", "min_notional"]) {
    const err = configError(`[execution]\n${key} = -1\n`);
    assert.equal(
      err.message,
      `config.toml:2:${key.length + 4}: execution.${key}: expected a number ≥ 0, got -1`,
    );
  }
});

Deno.test("slippage_bps must be in [0, 10000) and fee_bps in [-100, 10000]", () => {
  assert.match(
    configError("[execution]\nslippage_bps = -0.5\n").message,
    /expected a number ≥ 0, got -0.5$/,
  );
  assert.match(
    configError("[execution]\nslippage_bps = 10000\n").message,
    /expected a number < 10000, got 10000$/,
  );
  assert.equal(
    parseExecutionConfig("[execution]\nslippage_bps = 9999.99\n").execution.slippage_bps,
    9999.99,
  );
  assert.match(
    configError("[execution]\nfee_bps = -100.5\n").message,
    /expected a number ≥ -100, got -100.5$/,
  );
  assert.match(
    configError("[execution]\nfee_bps = 10001\n").message,
    /expected a number ≤ 10000, got 10001$/,
  );
  assert.equal(parseExecutionConfig("[execution]\nfee_bps = -100\n").execution.fee_bps, -100);
  assert.equal(parseExecutionConfig("[execution]\nfee_bps = 10000\n").execution.fee_bps, 10000);
});

Deno.test("nan and inf are refused as numbers", () => {
  assert.match(
    configError("[execution]\nfee_bps = nan\n").message,
    /execution\.fee_bps: expected a finite number, got nan$/,
  );
  assert.match(
    configError("[execution]\nmin_notional = inf\n").message,
    /expected a finite number, got inf$/,
  );
});

Deno.test("an empty base_path and a table in place of a value are errors", () => {
  assert.match(
    configError('[execution.telemetry]\nbase_path = ""\n').message,
    /expected a non-empty string, got ""$/,
  );
  assert.match(
    configError("execution = 3\n").message,
    /^config\.toml:1:13: execution: expected a table, got 3$/,
  );
  assert.match(configError("[execution]\nmode = [1]\n").message, /got an array$/);
});

Deno.test("a TOML syntax error reports line and column", () => {
  const err = configError('[execution]\nmode = "paper"\nfee_bps = 10.0\nlot_size = = 3\n');
  assert.equal(err.message, "config.toml:4:12: invalid TOML: invalid value");
  assert.equal(err.keyPath, null);
  assert.equal(err.line, 4);
  assert.equal(err.column, 12);
  assert.match(configError("[execution\n").message, /^config\.toml:1:\d+: invalid TOML: /);
});

Deno.test("every problem is listed in file order, the first one in the message", () => {
  const err = configError('[execution]\nmode = "PAPER"\nlot_size = -1\nfoo = 1\n');
  assert.equal(err.problems.length, 3);
  assert.match(err.problems[0], /^config\.toml:2:8: execution\.mode/);
  assert.match(err.problems[1], /^config\.toml:3:12: execution\.lot_size/);
  assert.match(err.problems[2], /^config\.toml:4:1: execution\.foo: unknown key/);
  assert.equal(err.message, err.problems[0]);
});

Deno.test("loadExecutionConfig names the path of a missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/nope.toml`;
    await assert.rejects(loadExecutionConfig(missing), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.file, missing);
      assert.equal(
        err.message,
        `${missing}: config file not found: check the path, or leave the option out to use the defaults`,
      );
      return true;
    });
    await assert.rejects(loadExecutionConfig(dir), /is a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadExecutionConfig reports problems with the file's path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/execution.toml`;
    await Deno.writeTextFile(path, '[execution]\nfee_bps = "10"\n');
    await assert.rejects(loadExecutionConfig(path), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `${path}:2:11: execution.fee_bps: expected a number, got "10"`);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildExecutionPipeline uses the config's gate parameters in the fixed order", async () => {
  const config = parseExecutionConfig(
    "[execution]\nmin_notional = 50\nlot_size = 0.1\nmin_qty = 0.1\nfee_bps = 10\n",
  );
  const pipeline = buildExecutionPipeline(config);
  assert.deepEqual(pipeline.gates.map((g) => g.name), [
    "PriceSanity",
    "ResearchOnly",
    "LotSize",
    "MinNotional",
  ]);
  assert.equal(pipeline.adapter?.name, "SimulatedBroker");
  const small = await pipeline.execute(0.4, 0, { mode: "paper", symbol: "X", price: 100 });
  assert.equal(small.blockReason, "MinNotional: Notional $40.00 below min $50.00");
  const ok = await pipeline.execute(0.56, 0, { mode: "paper", symbol: "X", price: 100 });
  assert.equal(ok.orders[0].quantity, 0.5);
  assert.equal(ok.totalFees, ok.totalNotional * (10 / 10000));
});

Deno.test("buildExecutionPipeline attaches no adapter in live mode, and the mode option overrides", () => {
  const live = parseExecutionConfig('[execution]\nmode = "live"\n');
  assert.equal(buildExecutionPipeline(live).adapter, undefined);
  assert.equal(buildExecutionPipeline(live, { mode: "paper" }).adapter?.name, "SimulatedBroker");
  assert.equal(
    buildExecutionPipeline(parseExecutionConfig(""), { mode: "live" }).adapter,
    undefined,
  );
  assert.equal(
    buildExecutionPipeline(parseExecutionConfig(""), { mode: "backtest" }).adapter?.name,
    "SimulatedBroker",
  );
});

Deno.test("buildExecutionPipeline honours block_research_in_live and passes the emitter on", async () => {
  const memory = new MemoryEmitter();
  const off = buildExecutionPipeline({ execution: { gates: { block_research_in_live: false } } }, {
    emitter: memory,
    mode: "live",
  });
  const r = await off.execute(1, 0, {
    mode: "live",
    symbol: "X",
    price: 100,
    tags: ["research_only"],
  });
  assert.equal(r.status, "planned");
  assert.ok(memory.events.length > 0);
  const on = buildExecutionPipeline({}, { mode: "live" });
  const r2 = await on.execute(1, 0, {
    mode: "live",
    symbol: "X",
    price: 100,
    tags: ["research_only"],
  });
  assert.equal(r2.code, "RESEARCH_BLOCKED_LIVE");
});

Deno.test("buildExecutionPipeline validates a hand-made config object", () => {
  assert.throws(
    () => buildExecutionPipeline({ execution: { lot_size: -1 } }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message === "<config object>: execution.lot_size: expected a number ≥ 0, got -1",
  );
});

Deno.test("loadExecutionConfig refuses a device, and a link to one, without reading it", async () => {
  // /dev/null rather than /dev/zero: a loader that read it anyway fails here instead of reading
  // without end.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink("/dev/null", `${dir}/null.toml`);
    for (const path of ["/dev/null", `${dir}/null.toml`]) {
      await assert.rejects(loadExecutionConfig(path), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /is not a regular file \(a FIFO, device or socket/);
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadExecutionConfig refuses a FIFO without opening it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/config.toml`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(made.code, 0, "mkfifo");
    // Our own writer: if the loader opened the FIFO, this lets it read an empty config (and the
    // test fail on the assertion instead of hanging); if it did not, our reader below releases it.
    let writerOpened = false;
    const writer = Deno.open(fifo, { write: true }).then((file) => {
      writerOpened = true;
      file.close();
    });
    const outcome = await loadExecutionConfig(fifo).then(() => null, (err: unknown) => err);
    if (!writerOpened) (await Deno.open(fifo, { read: true })).close();
    await writer;
    assert.ok(outcome instanceof ConfigError, "the FIFO was read as a config");
    assert.match(outcome.message, /is not a regular file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadExecutionConfig refuses a file over 1 MiB and reads one at the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/big.toml`;
    const limit = 1024 * 1024;
    const comment = "# " + "x".repeat(limit - "[execution]\n".length - 3) + "\n";
    await Deno.writeTextFile(path, "[execution]\n" + comment);
    assert.equal((await Deno.stat(path)).size, limit);
    assert.equal((await loadExecutionConfig(path)).execution.mode, "paper");
    await Deno.writeTextFile(path, "#", { append: true });
    await assert.rejects(
      loadExecutionConfig(path),
      /big\.toml: is 1048577 bytes; a config file may be at most 1 MiB/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rotation keys are checked strictly: whole bytes ≥ 0, a boolean daily, no other key", () => {
  const cases: [string, string][] = [
    [
      "max_bytes = 1.5",
      "config.toml:2:13: execution.telemetry.rotation.max_bytes: expected a whole number, got 1.5",
    ],
    [
      "max_bytes = -1",
      "config.toml:2:13: execution.telemetry.rotation.max_bytes: expected a number ≥ 0, got -1",
    ],
    [
      'max_bytes = "64MiB"',
      'config.toml:2:13: execution.telemetry.rotation.max_bytes: expected a number, got "64MiB"',
    ],
    [
      'daily = "yes"',
      'config.toml:2:9: execution.telemetry.rotation.daily: expected a boolean (true or false, without quotes), got "yes"',
    ],
    [
      "size = 3",
      "config.toml:2:1: execution.telemetry.rotation.size: unknown key (allowed here: max_bytes, daily)",
    ],
  ];
  for (const [line, message] of cases) {
    assert.equal(configError(`[execution.telemetry.rotation]\n${line}\n`).message, message);
  }
});

Deno.test("telemetryLoggerOptions carries the log root and rotation into the logger's options", () => {
  assert.deepEqual(telemetryLoggerOptions(parseExecutionConfig("")), {
    baseDir: "logs/execution",
    rotateBytes: 64 * 1024 * 1024,
    daily: true,
  });
  const off = parseExecutionConfig(
    "[execution.telemetry.rotation]\nmax_bytes = 0\ndaily = false\n",
  );
  assert.deepEqual(telemetryLoggerOptions(off), {
    baseDir: "logs/execution",
    rotateBytes: Infinity,
    daily: false,
  });
});
