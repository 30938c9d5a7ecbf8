// Every `@example` of the library's public API type-checks and runs. One `deno check` covers all
// of them; they run in a few `deno test` processes side by side, each importing its share of the
// examples one test at a time, so the library loads once per process rather than once per example
// (as `deno test --doc` does), and slow examples (a five-second follow) overlap. Each process runs
// in a temporary directory of its own: the examples write `logs/execution` relative to it.
import assert from "node:assert/strict";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import {
  anchorSpecifiers,
  type DocExample,
  exampleFileName,
  extractExamples,
} from "./doc_examples.ts";

const root = new URL("../", import.meta.url);
const config = new URL("deno.json", root).pathname;
/** Processes the examples are spread over (round robin, so the slow ones land apart). */
const PROCESSES = 4;

/** mod.ts and every module under the library's folders, at any depth. */
async function libraryModules(): Promise<string[]> {
  const files = ["mod.ts"];
  async function walk(dir: URL): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (/\.tsx?$/.test(entry.name) && !/_(test|bench)\.tsx?$/.test(entry.name)) {
        files.push(relative(root.pathname, url.pathname));
      }
    }
  }
  for (const dir of ["execution/", "live/"]) await walk(new URL(dir, root));
  return files.sort();
}

async function libraryExamples(): Promise<DocExample[]> {
  const examples: DocExample[] = [];
  for (const source of await libraryModules()) {
    examples.push(...extractExamples(source, await Deno.readTextFile(new URL(source, root))));
  }
  return examples;
}

async function deno(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** A test module that imports each of `examples` (file URL by name) in a test of its own. */
function runnerModule(examples: [name: string, url: string][]): string {
  return `const EXAMPLES: [string, string][] = ${JSON.stringify(examples, null, 2)};
for (const [name, url] of EXAMPLES) {
  Deno.test(name, async () => {
    await import(url);
  });
}
`;
}

/** `items` dealt round robin into at most `n` non-empty hands. */
function dealOut<T>(items: T[], n: number): T[][] {
  const hands = Array.from({ length: Math.min(n, items.length) }, (): T[] => []);
  items.forEach((item, i) => hands[i % hands.length].push(item));
  return hands;
}

Deno.test("every JSDoc example of the library type-checks and runs", async () => {
  const examples = await libraryExamples();
  assert.ok(examples.length > 0, "no example found: is the extraction broken?");
  const work = await Deno.makeTempDir({ prefix: "doc_examples_" });
  try {
    const written: { name: string; path: string }[] = [];
    for (const example of examples) {
      const path = `${work}/${exampleFileName(example)}`;
      await Deno.writeTextFile(path, anchorSpecifiers(example.code, new URL(example.source, root)));
      written.push({ name: `${example.source}:${example.line}`, path });
    }
    const shards = dealOut(written, PROCESSES);
    const [check, ...runs] = await Promise.all([
      deno(["check", "--config", config, ...written.map((w) => w.path)], work),
      ...shards.map(async (shard, i) => {
        const cwd = `${work}/run-${i}`;
        await Deno.mkdir(cwd);
        const runner = `${cwd}/examples_test.ts`;
        await Deno.writeTextFile(
          runner,
          runnerModule(shard.map((w) => [w.name, pathToFileURL(w.path).href])),
        );
        return {
          expected: shard.length,
          ...(await deno(["test", "--no-check", "--allow-all", "--config", config, runner], cwd)),
        };
      }),
    ]);
    const problems: string[] = [];
    if (check.code !== 0) problems.push(`type check failed:\n${check.output.slice(-6000)}`);
    for (const run of runs) {
      const passed = new RegExp(`ok \\| ${run.expected} passed \\| 0 failed`).test(run.output);
      if (run.code !== 0 || !passed) {
        const failed = run.output.split("\n").filter((line) => /\.\.\. FAILED/.test(line));
        problems.push(`examples failed:\n${failed.join("\n")}\n${run.output.slice(-6000)}`);
      }
    }
    assert.deepEqual(problems, [], problems.join("\n\n"));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("examples are found as deno test --doc finds them: runnable languages, no ignore", () => {
  const text = [
    "/**",
    " * Sum.",
    " *",
    " * ```ts",
    ' * import { add } from "./add.ts";',
    " * console.log(add(1, 2));",
    " * ```",
    " *",
    " * ```ts ignore",
    " * not checked",
    " * ```",
    " *",
    " * ```",
    " * const bare = 1;",
    " * ```",
    " *",
    " * ```sh",
    " * deno run add.ts",
    " * ```",
    " */",
    "export function add(a: number, b: number): number {",
    "  return a + b; // ```ts in code is not an example",
    "}",
  ].join("\n");
  assert.deepEqual(extractExamples("lib/add.ts", text), [
    {
      source: "lib/add.ts",
      line: 4,
      extension: "ts",
      code: 'import { add } from "./add.ts";\nconsole.log(add(1, 2));\n',
    },
    { source: "lib/add.ts", line: 13, extension: "ts", code: "const bare = 1;\n" },
  ]);
});

Deno.test("an example's relative imports keep their meaning when it is written elsewhere", () => {
  const code = 'import { a } from "./a.ts";\nimport "../b.ts";\nawait import("./c.ts");\n' +
    'import { z } from "zod";\n';
  assert.equal(
    anchorSpecifiers(code, new URL("file:///repo/live/x.ts")),
    'import { a } from "file:///repo/live/a.ts";\nimport "file:///repo/b.ts";\n' +
      'await import("file:///repo/live/c.ts");\nimport { z } from "zod";\n',
  );
});
