import assert from "node:assert/strict";
import {
  checkWritableLogDir,
  commandHint,
  inspectLogDir,
  sessionArgument,
  translateOriginalFlags,
  UsageError,
  usageFailure,
} from "../../cli/arguments.ts";
import { memoryIo } from "../../cli/io.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "arguments_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a hint names the command in the form the user runs it, or both when unknown", () => {
  assert.equal(
    commandHint({ program: "deno task" }, "timeline", "--help"),
    "`deno task timeline --help`",
  );
  assert.equal(commandHint({ program: "pt" }, "sessions"), "`pt sessions`");
  assert.equal(
    commandHint({}, "summary", "--help"),
    "`peak-trade summary --help` or `deno task summary --help`",
  );
});

Deno.test("a usage failure is one line with a pointer to the help, and exit 2", () => {
  const io = memoryIo({ program: "peak-trade" });
  assert.equal(usageFailure(io, "timeline", new UsageError("first\n  second")), 2);
  assert.equal(
    io.stderr(),
    "peak-trade timeline: first second (see `peak-trade timeline --help`)\n",
  );
});

Deno.test("the original viewer's flag names are read as ours; --session becomes the SESSION", () => {
  assert.deepEqual(
    translateOriginalFlags(["--path", "d", "--type=fill", "--session", "s", "--json"], [
      "path",
      "type",
      "session",
    ]),
    ["--log-dir", "d", "--kind=fill", "--json", "--", "s"],
  );
  assert.deepEqual(translateOriginalFlags(["--type", "fill"], ["path"]), ["--type", "fill"]);
  assert.throws(
    () => translateOriginalFlags(["--session"], ["session"]),
    /--session: missing its value/,
  );
});

Deno.test("the SESSION argument must be one valid session id", () => {
  assert.equal(sessionArgument(["paper-1"]), "paper-1");
  assert.throws(() => sessionArgument([]), /missing SESSION/);
  assert.throws(() => sessionArgument(["a", "b"]), /expected one SESSION, got 2: a b/);
  assert.throws(() => sessionArgument(["../x"]), /invalid session id/);
});

Deno.test("a log directory is a directory, missing, or a problem that names it", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    assert.equal(await inspectLogDir(dir), "directory");
    assert.equal(await inspectLogDir(`${dir}/nope`), "missing");
    assert.deepEqual(await inspectLogDir(file), {
      problem: `${file} exists but is not a directory`,
    });
    const below = await inspectLogDir(`${file}/below`);
    assert.ok(typeof below === "object" && below.problem.startsWith(`cannot use ${file}/below: `));
    assert.doesNotMatch(below.problem, /os error/);
  });
});

Deno.test("checkWritableLogDir creates a missing directory and leaves no probe behind", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await checkWritableLogDir(`${dir}/a/b`), null);
    assert.deepEqual([...Deno.readDirSync(`${dir}/a/b`)], []);
    await Deno.writeTextFile(`${dir}/file`, "x\n");
    assert.equal(
      await checkWritableLogDir(`${dir}/file`),
      `${dir}/file exists but is not a directory`,
    );
  });
});
