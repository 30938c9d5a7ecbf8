import assert from "node:assert/strict";
import { runTimelineCommand } from "../../cli/timeline.ts";
import { memoryIo } from "../../cli/io.ts";
import { assertRefusesInvalidSessionIds } from "./helpers.ts";
import { append, FIXTURES, sessionLines, wireLine, withTempDir } from "../live/helpers.ts";

// deno-lint-ignore no-control-regex -- looking for ANSI escapes is the point
const ANSI = /\x1b\[/;

/**
 * An io whose output can be awaited: `saw(needle)` resolves once stdout holds
 * `needle`, `saw(needle, "err")` once stderr does.
 */
function watchedIo(options: { program?: string } = {}) {
  const text = { out: "", err: "" };
  let onOutput = (): void => {};
  const io = {
    ...memoryIo(options),
    out: (chunk: string) => {
      text.out += chunk;
      onOutput();
    },
    err: (chunk: string) => {
      text.err += chunk;
      onOutput();
    },
  };
  const saw = (needle: string, stream: "out" | "err" = "out") =>
    new Promise<void>((resolve, reject) => {
      // Only a bound on a broken follow; the wait ends as soon as the output arrives.
      const timer = setTimeout(() => reject(new Error(`no ${needle} within 5 s`)), 5000);
      onOutput = () => {
        if (text[stream].includes(needle)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onOutput();
    });
  return { io, output: () => text.out, errors: () => text.err, saw };
}

Deno.test("timeline prints an aligned table, newest first, and exits 0", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 6));
    const io = memoryIo();
    const code = await runTimelineCommand(["s", "--log-dir", dir], io);
    assert.equal(code, 0);
    const lines = io.stdout().trimEnd().split("\n");
    assert.match(lines[0], /^TS\s+KIND\s+SYMBOL\s+DESCRIPTION$/);
    assert.equal(lines.length, 7);
    assert.match(
      lines[1],
      /^2026-11-25T09:30:05\.000000\+00:00 {2}gate {4}ETH-USD {2}Gate \[LotSize\]: ✅ PASS$/,
    );
    const descriptionColumn = lines[1].indexOf("Gate [");
    assert.ok(
      lines.slice(1).every((l) =>
        l.indexOf(l.includes("Intent") ? "Intent" : l.match(/(Gate|Order|Fill)/)![0]) ===
          descriptionColumn
      ),
    );
    assert.equal(io.stderr(), "");
  });
});

Deno.test("timeline --json writes JSONL rows after repeatable --kind filters and --limit", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const io = memoryIo();
    const code = await runTimelineCommand([
      "s",
      "--log-dir",
      dir,
      "--kind",
      "fill",
      "--kind",
      "intent",
      "--limit",
      "5",
      "--json",
    ], io);
    assert.equal(code, 0);
    const rows = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r.kind), ["fill", "intent", "fill", "intent", "fill"]);
    assert.deepEqual(Object.keys(rows[0]), [
      "ts",
      "kind",
      "symbol",
      "mode",
      "description",
      "details",
      "offset",
      "seq",
    ]);
  });
});

Deno.test("timeline filters by --symbol, --since and --until", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const io = memoryIo();
    const code = await runTimelineCommand(
      [
        "s",
        "--log-dir",
        dir,
        "--symbol",
        "ETH-USD",
        "--since",
        "2026-11-25T09:30:10Z",
        "--until",
        "2026-11-25T09:30:20Z",
        "--json",
      ],
      io,
    );
    assert.equal(code, 0);
    const seqs = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l).seq);
    assert.deepEqual(seqs, [21, 16, 15, 14, 13], "i = 20 and 12..15 are ETH-USD in 10..20 s");
  });
});

Deno.test("timeline exits 2 for an unknown session, naming the session and the directory", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runTimelineCommand(["ghost", "--log-dir", dir], io), 2);
    assert.match(io.stderr(), /unknown session "ghost": no ghost\.jsonl in /);
  });
});

Deno.test("timeline exits 2 with 'no logs' when the log directory is missing", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runTimelineCommand(["s", "--log-dir", `${dir}/nope`], io), 2);
    assert.match(io.stderr(), /no logs: .*nope does not exist/);
  });
});

Deno.test("timeline exits 2 for an invalid session id without touching the disk", async () => {
  await assertRefusesInvalidSessionIds(runTimelineCommand);
});

Deno.test("timeline exits 2 for bad input: limit, since, unknown flag, missing session", async () => {
  const cases: [string[], RegExp][] = [
    [["s", "--limit", "0"], /--limit: expected a positive whole number/],
    [["s", "--limit", "ten"], /--limit: expected a positive whole number/],
    [["s", "--limit", "-1"], /--limit: expected a positive whole number, got "-1"/],
    [["s", "--since", "yesterday", "--log-dir", FIXTURES], /--since: cannot read "yesterday"/],
    [["s", "--kind", "<script>"], /--kind: expected an event kind such as intent/],
    [
      ["s", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T10:30:00+01:00"],
      /--since: 2026-11-25T10:00:00Z is after --until 2026-11-25T10:30:00\+01:00: no event can match/,
    ],
    [["s", "--colour"], /Unknown option '--colour'/],
    [[], /missing SESSION/],
    [["a", "b"], /expected one SESSION/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runTimelineCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message);
    assert.match(io.stderr(), /--help/);
  }
});

Deno.test("timeline exits 3 after printing when more than 5% of lines are invalid", async () => {
  const io = memoryIo();
  assert.equal(await runTimelineCommand(["bad_lines", "--log-dir", FIXTURES], io), 3);
  assert.equal(
    io.stdout().trimEnd().split("\n").length,
    5,
    "header and the 4 valid rows were printed",
  );
  assert.match(io.stderr(), /5 of 10 lines \(50\.0%\)/);
});

Deno.test("timeline measures the 5% over the lines it read, not the whole session", async () => {
  await withTempDir(async (dir) => {
    // 20 old invalid lines of 120: 16.7% of the session, none among the newest 50.
    await append(`${dir}/s.jsonl`, "garbage\n".repeat(20) + sessionLines("s", 100));
    const recent = memoryIo();
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir, "--limit", "50"], recent), 0);
    assert.equal(recent.stderr(), "");
    const all = memoryIo();
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir], all), 3);
    assert.match(all.stderr(), /20 of 120 lines \(16\.7%\) read for this timeline of session s/);
  });
});

Deno.test("timeline --follow prints, then exits 3 once stopped when the lines read were bad", async () => {
  const io = memoryIo();
  const code = await runTimelineCommand(
    ["bad_lines", "--log-dir", FIXTURES, "--follow", "--json"],
    io,
    { signal: AbortSignal.abort() },
  );
  assert.equal(code, 3);
  const seqs = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l).seq);
  assert.deepEqual(seqs, [1, 3, 4, 5], "oldest first");
  assert.match(io.stderr(), /5 of 10 lines/);
});

Deno.test("timeline exits 0 when invalid lines stay at or under 5%", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 19) + "garbage\n");
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir], memoryIo()), 0);
    await append(`${dir}/s.jsonl`, "more garbage\n");
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir], memoryIo()), 3);
  });
});

Deno.test("timeline colours kinds only when the io wants colour", async () => {
  const plain = memoryIo({ color: false });
  await runTimelineCommand(["golden_16d_style", "--log-dir", FIXTURES], plain);
  assert.doesNotMatch(plain.stdout(), ANSI);
  const coloured = memoryIo({ color: true });
  await runTimelineCommand(["golden_16d_style", "--log-dir", FIXTURES], coloured);
  assert.ok(coloured.stdout().includes("\x1b[32mfill"), "fills are green");
});

Deno.test("timeline replaces control characters from the file in its table", async () => {
  await withTempDir(async (dir) => {
    await append(
      `${dir}/s.jsonl`,
      wireLine("s", { kind: "error", payload: { error: "boom\u001b[2Jcleared" } }),
    );
    const io = memoryIo();
    await runTimelineCommand(["s", "--log-dir", dir], io);
    assert.doesNotMatch(io.stdout(), ANSI);
    assert.match(io.stdout(), /Error: boom\?\[2Jcleared/);
  });
});

Deno.test("no column of the timeline table lets file content drive the terminal", async () => {
  await withTempDir(async (dir) => {
    const fakeRow = "\n2026-11-25T09:00:05.000000+00:00  fill    BTC-USD  Fill: 9.000000 @ $1.00";
    await append(
      `${dir}/s.jsonl`,
      wireLine("s", {
        kind: "k\u001b]0;title\u0007",
        symbol: "A\u001b[31mB\u202e",
        payload: { note: 1 },
      }) +
        wireLine("s", { kind: "error", symbol: "X", payload: { error: `boom${fakeRow}` } }) +
        wireLine("s", {
          kind: "gate",
          symbol: "X",
          payload: { gate_name: "Lot\u009bSize", passed: false, reason: "r" },
        }),
    );
    const timeline = memoryIo();
    await runTimelineCommand(["s", "--log-dir", dir], timeline);
    // deno-lint-ignore no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(timeline.stdout(), /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const rows = timeline.stdout().trimEnd().split("\n");
    assert.equal(rows.length, 4, "a header and one line per event: no faked row");
    assert.match(timeline.stdout(), /Error: boom\\n2026-11-25T09:00:05/);
  });
});

Deno.test("timeline answers --help with its options and exit 0", async () => {
  const io = memoryIo();
  assert.equal(await runTimelineCommand(["--help"], io), 0);
  assert.match(io.stdout(), /^Usage: peak-trade /);
  assert.ok(io.stdout().includes("--follow"));
});

Deno.test("timeline --follow prints the last events oldest first, then new ones, until stopped", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, sessionLines("s", 3));
    const stop = new AbortController();
    const { io, output, saw } = watchedIo();
    const running = runTimelineCommand(["s", "--log-dir", dir, "--follow", "--json"], io, {
      signal: stop.signal,
    });
    await saw('"seq":3');
    await append(path, wireLine("s", { kind: "fill", seq: 99 }));
    await saw('"seq":99');
    stop.abort();
    assert.equal(await running, 0);
    const seqs = output().trimEnd().split("\n").map((l) => JSON.parse(l).seq);
    assert.deepEqual(seqs, [1, 2, 3, 99]);
  });
});

Deno.test("timeline --follow applies --kind and --since to new events too", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, sessionLines("s", 8));
    const stop = new AbortController();
    const { io, output, saw } = watchedIo();
    const running = runTimelineCommand(
      [
        "s",
        "--log-dir",
        dir,
        "--follow",
        "--json",
        "--kind",
        "fill",
        "--since",
        "2026-11-25T09:30:05Z",
      ],
      io,
      { signal: stop.signal },
    );
    await saw('"seq":8');
    await append(
      path,
      wireLine("s", { kind: "intent", seq: 20, ts: "2026-11-25T09:31:00.000000+00:00" }) +
        wireLine("s", { kind: "fill", seq: 21, ts: "2026-11-25T09:29:00.000000+00:00" }) +
        wireLine("s", { kind: "fill", seq: 22, ts: "2026-11-25T09:31:01.000000+00:00" }),
    );
    await saw('"seq":22');
    stop.abort();
    assert.equal(await running, 0);
    const seqs = output().trimEnd().split("\n").map((l) => JSON.parse(l).seq);
    assert.deepEqual(seqs, [8, 22], "the intent and the fill before --since are left out");
  });
});

Deno.test("timeline --kind takes comma-separated kinds, as the HTTP API does", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 8));
    const io = memoryIo();
    assert.equal(
      await runTimelineCommand(["s", "--log-dir", dir, "--kind", "gate, fill", "--json"], io),
      0,
    );
    const kinds = io.stdout().trim().split("\n").map((l) => JSON.parse(l).kind);
    assert.deepEqual([...new Set(kinds)].sort(), ["fill", "gate"]);
    assert.equal(kinds.length, 4);
    assert.equal(io.stderr(), "");
  });
});

Deno.test("timeline warns about a kind it never writes (wrong case, typo) and still exits 0", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 4));
    const io = memoryIo();
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir, "--kind", "FILL"], io), 0);
    assert.match(io.stderr(), /--kind "FILL" is not one of intent, gate, order, fill, error/);
    assert.match(io.stderr(), /lower case: --kind fill/);
    assert.match(io.stdout(), /no events match/);
  });
});

Deno.test("timeline accepts the original viewer's flag names and reads them as ours", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const ours = memoryIo();
    const theirs = memoryIo();
    const filters = ["--symbol", "ETH-USD", "--json"];
    assert.equal(
      await runTimelineCommand([
        "s",
        "--log-dir",
        dir,
        "--kind",
        "gate",
        "--since",
        "2026-11-25T09:30:10Z",
        "--until",
        "2026-11-25T09:30:20Z",
        ...filters,
      ], ours),
      0,
    );
    assert.equal(
      await runTimelineCommand([
        "--path",
        dir,
        "--session",
        "s",
        "--type=gate",
        "--from",
        "2026-11-25T09:30:10Z",
        "--to=2026-11-25T09:30:20Z",
        ...filters,
      ], theirs),
      0,
    );
    assert.notEqual(ours.stdout(), "");
    assert.equal(theirs.stdout(), ours.stdout());
    assert.equal(theirs.stderr(), "");
  });
});

Deno.test("--session without a value, twice, or with a bad id exits 2 and says which", async () => {
  await withTempDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [["--session", "--path", dir], /--session: missing its value/],
      [["--path", dir, "--session"], /--session: missing its value/],
      [["s", "--session", "t", "--path", dir], /expected one SESSION, got 2: s t/],
      [["--session", "../x", "--path", dir], /invalid session id "\.\.\/x"/],
      [["--session", "-x", "--path", dir], /invalid session id "-x"/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIo();
      assert.equal(await runTimelineCommand(args, io), 2, args.join(" "));
      assert.match(io.stderr(), message, args.join(" "));
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing was created");
  });
});

Deno.test("timeline --follow waits for a session that has not started yet, and says so", async () => {
  await withTempDir(async (dir) => {
    const stop = new AbortController();
    const { io, output, errors, saw } = watchedIo();
    const running = runTimelineCommand(["s", "--log-dir", dir, "--follow", "--json"], io, {
      signal: stop.signal,
    });
    await saw("waiting for session", "err");
    await append(`${dir}/s.jsonl`, sessionLines("s", 2));
    await saw('"seq":2');
    stop.abort();
    assert.equal(await running, 0);
    assert.deepEqual(output().trimEnd().split("\n").map((l) => JSON.parse(l).seq), [1, 2]);
    assert.match(errors(), /waiting for session "s": no s\.jsonl in .* yet; Ctrl-C stops/);
  });
});

Deno.test("timeline --follow waits for a log directory that does not exist yet either", async () => {
  await withTempDir(async (dir) => {
    const logDir = `${dir}/later`;
    const stop = new AbortController();
    const { io, output, errors, saw } = watchedIo();
    const running = runTimelineCommand(["s", "--log-dir", logDir, "--follow"], io, {
      signal: stop.signal,
    });
    await saw("waiting for session", "err");
    assert.match(errors(), /\(the directory does not exist yet either\)/);
    await Deno.mkdir(logDir);
    await append(`${logDir}/s.jsonl`, sessionLines("s", 1));
    await saw("Intent: BUY");
    stop.abort();
    assert.equal(await running, 0);
    assert.match(output(), /^TS\s+KIND\s+SYMBOL\s+DESCRIPTION\n/, "the table header comes first");
  });
});

Deno.test("timeline --symbol '' means no symbol filter, as the API's symbol=", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 8));
    const all = memoryIo();
    assert.equal(await runTimelineCommand(["s", "--log-dir", dir, "--json"], all), 0);
    const blank = memoryIo();
    assert.equal(
      await runTimelineCommand(["s", "--log-dir", dir, "--json", "--symbol", ""], blank),
      0,
    );
    assert.equal(blank.stdout().trimEnd().split("\n").length, 8);
    assert.equal(blank.stdout(), all.stdout());
  });
});

Deno.test("timeline --log-dir naming a file exits 2 with our own message", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    for (const args of [["s"], ["s", "--follow"]]) {
      const io = memoryIo();
      assert.equal(await runTimelineCommand([...args, "--log-dir", file], io), 2);
      assert.equal(
        io.stderr(),
        `peak-trade timeline: ${file} exists but is not a directory; pass the log root ` +
          "(the directory of <session>.jsonl files) with --log-dir\n",
      );
      assert.equal(io.stdout(), "");
    }
  });
});

Deno.test("timeline's hints name the command as the user runs it", async () => {
  await withTempDir(async (dir) => {
    const task = memoryIo({ program: "deno task" });
    assert.equal(await runTimelineCommand(["ghost", "--log-dir", dir], task), 2);
    assert.ok(
      task.stderr().includes(`(\`deno task sessions --log-dir ${dir}\` lists the sessions)`),
    );
    const unknown = memoryIo();
    assert.equal(await runTimelineCommand(["--limit", "x"], unknown), 2);
    assert.match(
      unknown.stderr(),
      /\(see `peak-trade timeline --help` or `deno task timeline --help`\)\n$/,
    );
  });
});

/** Gate decisions of two gates, one pass and one block each, and a fill. */
function gateLines(session: string): string {
  const gate = (seq: number, gate: string, passed: boolean, code: string, reason: string) =>
    wireLine(session, {
      ts: `2026-11-25T09:30:0${seq}.000000+00:00`,
      kind: "gate",
      symbol: seq % 2 === 0 ? "ETH-USD" : "BTC-USD",
      payload: { gate_name: gate, passed, code, reason, modified_qty: null },
      seq,
    });
  return gate(1, "LotSize", true, "OK", "") +
    gate(2, "LotSize", false, "QTY_ROUNDS_TO_ZERO", "quantity rounds to zero") +
    gate(3, "MinNotional", false, "NOTIONAL_BELOW_MIN", "notional 5.00 below 10.00") +
    gate(4, "MinNotional", true, "OK", "") +
    wireLine(session, { ts: "2026-11-25T09:30:05.000000+00:00", kind: "fill", seq: 5 });
}

Deno.test("timeline --blocked --gate --code shows only those blocks, with their code and reason", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/g.jsonl`, gateLines("g"));
    const blocked = memoryIo();
    assert.equal(await runTimelineCommand(["g", "--log-dir", dir, "--blocked"], blocked), 0);
    const rows = blocked.stdout().trimEnd().split("\n").slice(1);
    assert.equal(rows.length, 2, blocked.stdout());
    assert.match(rows[0], /Gate \[MinNotional\]: ❌ BLOCK {2}\(NOTIONAL_BELOW_MIN: notional 5\.00/);
    assert.match(rows[1], /\(QTY_ROUNDS_TO_ZERO: quantity rounds to zero\)$/);

    const oneGate = memoryIo();
    await runTimelineCommand(["g", "--log-dir", dir, "--blocked", "--gate", "LotSize"], oneGate);
    assert.equal(oneGate.stdout().trimEnd().split("\n").length, 2, oneGate.stdout());

    const byCode = memoryIo();
    await runTimelineCommand(
      ["g", "--log-dir", dir, "--json", "--code", "NOTIONAL_BELOW_MIN,QTY_ROUNDS_TO_ZERO"],
      byCode,
    );
    const seqs = byCode.stdout().trimEnd().split("\n").map((l) => JSON.parse(l).seq);
    assert.deepEqual(seqs, [3, 2]);
  });
});

Deno.test("timeline --symbol-match prefix --ignore-case finds symbols by their start in any case", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/g.jsonl`, gateLines("g"));
    const io = memoryIo();
    const args = ["g", "--log-dir", dir, "--json", "--symbol", "eth", "--symbol-match", "prefix"];
    assert.equal(await runTimelineCommand([...args, "--ignore-case"], io), 0);
    const symbols = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l).symbol);
    assert.deepEqual(symbols, ["ETH-USD", "ETH-USD"]);
    const exactCase = memoryIo();
    await runTimelineCommand(args, exactCase);
    assert.equal(exactCase.stdout(), "", "without --ignore-case, eth is not ETH");
  });
});

Deno.test("timeline refuses an unknown --symbol-match, naming the flag", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/g.jsonl`, gateLines("g"));
    const io = memoryIo();
    assert.equal(
      await runTimelineCommand(["g", "--log-dir", dir, "--symbol-match", "fuzzy"], io),
      2,
    );
    assert.match(io.stderr(), /--symbol-match: /);
  });
});
