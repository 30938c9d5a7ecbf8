// Every `@example` of the library's public API type-checks and runs. The examples write to
// `logs/execution` relative to the working directory, so they run in a temporary directory.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

async function libraryModules(): Promise<string[]> {
  const files: string[] = [new URL("mod.ts", root).pathname];
  for (
    const dir of [
      "execution/",
      "execution/gates/",
      "execution/telemetry/",
      "execution/wire/",
      "live/",
      "ops/",
      "ops/retention/",
    ]
  ) {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        files.push(new URL(dir + entry.name, root).pathname);
      }
    }
  }
  return files.sort();
}

Deno.test("every JSDoc example of the library type-checks and runs", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "--allow-all",
        "--doc",
        "--config",
        new URL("deno.json", root).pathname,
        ...(await libraryModules()),
      ],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    const failures = output.split("\n").filter((line) => / FAILED|error:/.test(line));
    assert.equal(code, 0, failures.join("\n") || output.slice(-4000));
    assert.match(output, /ok \| [1-9]\d* passed/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
