import assert from "node:assert/strict";
import { runSummaryCommand } from "../../cli/summary.ts";
import { memoryIo } from "../../cli/io.ts";
import { assertRefusesInvalidSessionIds } from "./helpers.ts";
import { append, FIXTURES, sessionLines, wireLine, withTempDir } from "../live/helpers.ts";

// deno-lint-ignore no-control-regex -- looking for ANSI escapes is the point
const ANSI = /\x1b\[/;

Deno.test("summary --json prints the whole-session summary object", async () => {
  const io = memoryIo();
  assert.equal(
    await runSummaryCommand(["golden_16d_style", "--log-dir", FIXTURES, "--json"], io),
    0,
  );
  const summary = JSON.parse(io.stdout());
  assert.equal(summary.session_id, "golden_16d_style");
  assert.equal(summary.event_count, 8);
  assert.deepEqual(summary.gate_blocks, { MinNotional: 1 });
});

Deno.test("summary prints readable lines with fills, blocks and latency", async () => {
  const io = memoryIo();
  assert.equal(await runSummaryCommand(["golden_16d_style", "--log-dir", FIXTURES], io), 0);
  const out = io.stdout();
  assert.match(out, /^Session\s+golden_16d_style$/m);
  assert.match(out, /^Gate blocks\s+MinNotional 1 {2}\(block rate 50\.0% of intents\)$/m);
  assert.match(out, /^Fills\s+1 {2}notional \$12,802\.00 {2}fees \$1\.2802$/m);
  assert.match(out, /^Latency\s+min 130\.000 ms/m);
});

Deno.test("summary exits 2 with 'no logs' when the log directory is missing", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runSummaryCommand(["s", "--log-dir", `${dir}/nope`], io), 2);
    assert.match(io.stderr(), /no logs: .*nope does not exist/);
  });
});

Deno.test("summary exits 2 for an invalid session id without touching the disk", async () => {
  await assertRefusesInvalidSessionIds(runSummaryCommand);
});

Deno.test("summary exits 3 after printing when more than 5% of lines are invalid", async () => {
  const io = memoryIo();
  assert.equal(await runSummaryCommand(["bad_lines", "--log-dir", FIXTURES], io), 3);
  assert.match(io.stdout(), /Events\s+4/);
});

Deno.test("summary measures the 5% over the whole session", async () => {
  await withTempDir(async (dir) => {
    // 20 old invalid lines of 120: 16.7% of the session, none among the newest 50.
    await append(`${dir}/s.jsonl`, "garbage\n".repeat(20) + sessionLines("s", 100));
    const summary = memoryIo();
    assert.equal(await runSummaryCommand(["s", "--log-dir", dir], summary), 3);
    assert.match(summary.stderr(), /20 of 120 lines \(16\.7%\) in the whole log of session s/);
  });
});

Deno.test("no line of the summary lets file content drive the terminal", async () => {
  await withTempDir(async (dir) => {
    await append(
      `${dir}/s.jsonl`,
      wireLine("s", {
        kind: "k\u001b]0;title\u0007",
        symbol: "A\u001b[31mB\u202e",
        payload: { note: 1 },
      }) +
        wireLine("s", {
          kind: "gate",
          symbol: "X",
          payload: { gate_name: "Lot\u009bSize", passed: false, reason: "r" },
        }),
    );
    const summary = memoryIo();
    await runSummaryCommand(["s", "--log-dir", dir], summary);
    // deno-lint-ignore no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(summary.stdout(), /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.match(summary.stdout(), /Lot\?Size 1/);
  });
});

Deno.test("summary colours kinds only when the io wants colour", async () => {
  const plain = memoryIo({ color: false });
  await runSummaryCommand(["golden_16d_style", "--log-dir", FIXTURES], plain);
  assert.doesNotMatch(plain.stdout(), ANSI);
  const coloured = memoryIo({ color: true });
  await runSummaryCommand(["golden_16d_style", "--log-dir", FIXTURES], coloured);
  assert.ok(coloured.stdout().includes("\x1b[32mfill"), "fills are green");
});

Deno.test("summary answers --help with its options and exit 0", async () => {
  const io = memoryIo();
  assert.equal(await runSummaryCommand(["--help"], io), 0);
  assert.match(io.stdout(), /^Usage: peak-trade /);
  assert.ok(io.stdout().includes("--json"));
});

Deno.test("summary accepts --path and --session of the original viewer", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 6));
    const summary = memoryIo();
    assert.equal(await runSummaryCommand(["--path", dir, "--session=s", "--json"], summary), 0);
    assert.equal(JSON.parse(summary.stdout()).event_count, 6);
  });
});

Deno.test("summary --log-dir naming a file exits 2 with our own message", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    const io = memoryIo();
    assert.equal(await runSummaryCommand(["s", "--log-dir", file], io), 2);
    assert.match(io.stderr(), /^peak-trade summary: .*file exists but is not a directory; pass/);
    assert.doesNotMatch(io.stderr(), /os error/);
  });
});
