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

/** The modules `root` loads when it runs: static imports only (not `import type`, not `import()`). */
function runtimeGraph(info: DenoInfo, root: string): Set<string> {
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code !== undefined && dep.isDynamic !== true) pending.push(dep.code.specifier);
    }
  }
  return seen;
}

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
}

let mainInfo: Promise<DenoInfo> | undefined;

/** `deno info --json main.ts`: main.ts's module graph, its commands' (dynamic) imports included. */
function mainGraph(): Promise<DenoInfo> {
  mainInfo ??= (async () => {
    const main = new URL("../../main.ts", import.meta.url);
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", main.pathname],
      stdout: "piped",
    }).output();
    assert.equal(code, 0);
    return JSON.parse(new TextDecoder().decode(stdout));
  })();
  return mainInfo;
}

/** main.ts (`--version`, `--help`) and the commands that read a session, whose start time counts. */
const READING_ROOTS = ["main.ts", "cli/timeline.ts", "cli/summary.ts", "cli/sessions.ts"];

Deno.test("main.ts and the reading commands load no npm package (no Hono, Preact or zod)", async () => {
  const info = await mainGraph();
  for (const root of READING_ROOTS) {
    const loaded = [...runtimeGraph(info, new URL(`../../${root}`, import.meta.url).href)];
    assert.ok(loaded.length > 1, `${root} is in the graph of main.ts`);
    assert.deepEqual(loaded.filter((s) => s.startsWith("npm:")), [], `${root} loads npm packages`);
  }
  // The heavier commands are in main.ts's graph too (dynamically), so `deno compile` holds them.
  const all = new Set(info.modules.map((m) => m.specifier));
  for (const command of ["dry_run", "start", "serve", "retention"]) {
    assert.ok(all.has(new URL(`../../cli/${command}.ts`, import.meta.url).href), command);
  }
});

Deno.test("main.ts and the reading commands import no node: module but node:fs", async () => {
  // Each node: module makes Deno load Node.js compatibility code at start (node:path alone adds
  // about 9 ms to an empty script); node:fs stays for the no-follow, non-blocking opens of
  // execution/wire/regular_file.ts, node:zlib is loaded when a compressed segment is read.
  const info = await mainGraph();
  const nodeModules = (root: string): string[] =>
    [...runtimeGraph(info, new URL(`../../${root}`, import.meta.url).href)]
      .filter((s) => s.startsWith("node:"));
  for (const root of READING_ROOTS) {
    assert.deepEqual(nodeModules(root).filter((s) => s !== "node:fs"), [], root);
  }
  assert.deepEqual(nodeModules("main.ts"), [], "main.ts itself (--version, --help) loads none");
  // The check sees a node: import where there is one.
  assert.deepEqual(nodeModules("execution/wire/regular_file.ts"), ["node:fs"]);
});

Deno.test("main's usage names both ways to run a command when it cannot tell which is used", async () => {
  const unknown = memoryIo();
  assert.equal(await main(["--help"], unknown), 0);
  assert.match(
    unknown.stdout(),
    /Run `peak-trade <command> --help` or `deno task <command> --help` for the options/,
  );
  const binary = memoryIo({ program: "peak-trade" });
  assert.equal(await main(["--help"], binary), 0);
  assert.match(binary.stdout(), /Run `peak-trade <command> --help` for the options/);
});

Deno.test("run by a deno.json task, hints name the task form", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const run = async (env: Record<string, string>) => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", main, "timeline", "--limit", "x"],
      env: { NO_COLOR: "1", ...env },
      stderr: "piped",
    }).output();
    return { code, stderr: new TextDecoder().decode(stderr) };
  };
  const task = await run({ PEAK_TRADE_PROGRAM: "deno task" });
  assert.equal(task.code, 2);
  assert.match(task.stderr, /\(see `deno task timeline --help`\)\n$/);
  // Empty counts as unset (the variable is inherited from this test's own environment).
  const plain = await run({ PEAK_TRADE_PROGRAM: "" });
  assert.match(plain.stderr, /\(see `peak-trade timeline --help` or `deno task timeline --help`\)/);
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)))
    .tasks as Record<string, string>;
  for (const command of ["start", "dry-run", "serve", "timeline", "summary", "sessions"]) {
    assert.match(tasks[command], /^PEAK_TRADE_PROGRAM='deno task' deno run /, command);
  }
});
