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
  for (const name of ["bogus", "constructor", "toString", "__proto__"]) {
    const io = memoryIo();
    assert.equal(await main([name], io), 2, name);
    assert.match(io.stderr(), new RegExp(`unknown command "${name}"`));
  }
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

const infos = new Map<string, Promise<DenoInfo>>();

/** `deno info --json <root>`: the module graph of a module of this repository. */
function graphOf(root: string): Promise<DenoInfo> {
  let info = infos.get(root);
  if (info === undefined) {
    info = (async () => {
      const { code, stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["info", "--json", new URL(`../../${root}`, import.meta.url).pathname],
        stdout: "piped",
      }).output();
      assert.equal(code, 0);
      return JSON.parse(new TextDecoder().decode(stdout));
    })();
    infos.set(root, info);
  }
  return info;
}

/** The modules `root` loads at start, by its own graph. */
async function loadedAtStart(root: string): Promise<string[]> {
  const info = await graphOf(root);
  return [...runtimeGraph(info, new URL(`../../${root}`, import.meta.url).href)];
}

/** main.ts (`--version`, `--help`) and the commands that read a session, whose start time counts. */
const READING_ROOTS = ["main.ts", "cli/timeline.ts", "cli/summary.ts", "cli/sessions.ts"];

/** Every command of the usage, by its name. */
async function commandNames(): Promise<string[]> {
  const io = memoryIo();
  await main(["--help"], io);
  return [...io.stdout().matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
}

Deno.test("main.ts and the reading commands load no npm package (no Hono, Preact or zod)", async () => {
  for (const root of READING_ROOTS) {
    const loaded = await loadedAtStart(root);
    assert.ok(loaded.length > 1, `${root} has a graph`);
    assert.deepEqual(loaded.filter((s) => s.startsWith("npm:")), [], `${root} loads npm packages`);
  }
});

Deno.test("main.ts names no command module Deno would prepare at start", async () => {
  // A literal import("./cli/x.ts") makes Deno prepare x.ts's whole graph (npm packages
  // included) before main.ts runs, whichever command runs: main.ts builds the specifiers.
  const info = await graphOf("main.ts");
  const cli = info.modules.map((m) => m.specifier).filter((s) => s.includes("/cli/"));
  const allowed = ["cli/io.ts", "cli/arguments.ts", "cli/parse_args.ts"]
    .map((p) => new URL(`../../${p}`, import.meta.url).href);
  assert.deepEqual(cli.filter((s) => !allowed.includes(s)), []);
});

Deno.test("every command's module loads and runs its --help; the compiled binary includes them", async () => {
  const names = await commandNames();
  assert.equal(names.length, 11, names.join(" "));
  for (const name of names) {
    const io = memoryIo();
    assert.equal(await main([name, "--help"], io), 0, name);
    assert.match(io.stdout(), /--help|Usage|usage/, name);
  }
  // main.ts imports the commands by specifiers built at run time: `deno compile` must be told.
  assert.match(denoConfig.tasks.compile, / --include cli /);
});

Deno.test("main.ts and the reading commands import no node: module but node:fs", async () => {
  // Each node: module makes Deno load Node.js compatibility code at start (node:path alone adds
  // about 9 ms to an empty script); node:fs stays for the no-follow, non-blocking opens of
  // execution/wire/regular_file.ts, node:zlib is loaded when a compressed segment is read.
  const nodeModules = async (root: string): Promise<string[]> =>
    (await loadedAtStart(root)).filter((s) => s.startsWith("node:"));
  for (const root of READING_ROOTS) {
    assert.deepEqual((await nodeModules(root)).filter((s) => s !== "node:fs"), [], root);
  }
  assert.deepEqual(
    await nodeModules("main.ts"),
    [],
    "main.ts itself (--version, --help) loads none",
  );
  // The check sees a node: import where there is one.
  assert.deepEqual(await nodeModules("execution/wire/regular_file.ts"), ["node:fs"]);
});

Deno.test("the reading commands touch neither web streams nor crypto while loading", async () => {
  // Both are loaded by the runtime at first use, and cost a command's start: a class extending
  // TransformStream at module level, or a nonce made at import, would load them for every run.
  const watched = ["TransformStream", "ReadableStream", "WritableStream", "crypto"];
  const roots = READING_ROOTS.map((root) => new URL(`../../${root}`, import.meta.url).href);
  const script = `
const touched = new Set();
for (const name of ${JSON.stringify(watched)}) {
  const own = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() { touched.add(name); return own.get ? own.get.call(globalThis) : own.value; },
  });
}
for (const root of ${JSON.stringify(roots)}) await import(root);
console.log(JSON.stringify([...touched]));
`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(code, 0, decoder.decode(stderr));
  assert.deepEqual(JSON.parse(decoder.decode(stdout)), []);
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
