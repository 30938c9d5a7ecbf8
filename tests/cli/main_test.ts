import assert from "node:assert/strict";
import { main } from "../../main.ts";
import { memoryIo } from "../../cli/io.ts";
import denoConfig from "../../deno.json" with { type: "json" };

Deno.test("main without a command prints the usage on stderr and exits 2", async () => {
  const io = memoryIo();
  assert.equal(await main([], io), 2);
  assert.equal(io.stdout(), "", "stdout stays empty on a usage error");
  assert.match(io.stderr(), /Usage: peak-trade <command>/);
});

Deno.test("main --help lists every command and the exit codes on stdout", async () => {
  const io = memoryIo();
  assert.equal(await main(["--help"], io), 0);
  for (const command of ["dry-run", "start", "serve", "timeline", "summary", "sessions"]) {
    assert.match(io.stdout(), new RegExp(`^  ${command} `, "m"), command);
  }
  assert.match(io.stdout(), /Exit codes: 0 ok; 1 order blocked/);
  assert.match(io.stdout(), /3 more than 5% invalid/);
});

Deno.test("main --version prints the package version", async () => {
  for (const flag of ["--version", "-V"]) {
    const io = memoryIo();
    assert.equal(await main([flag], io), 0);
    assert.equal(io.stdout(), `peak-trade ${denoConfig.version} (@peak-trade/execution)\n`);
  }
});

Deno.test("main rejects an unknown command with exit 2 and the usage", async () => {
  const io = memoryIo();
  assert.equal(await main(["bogus"], io), 2);
  assert.match(io.stderr(), /unknown command "bogus"/);
});

Deno.test("main stops quietly with exit 0 when stdout's reader goes away (| head)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const io = memoryIo();
    io.out = () => {
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    };
    const order = ["--symbol", "BTC-USD", "--target", "0.5", "--current", "0.1", "--price", "1"];
    assert.equal(await main(["dry-run", ...order, "--log-dir", dir], io), 0);
    assert.equal(io.stderr(), "", "no 'Broken pipe' message");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
