// `deno task test` runs the suites of tests/suites/ (one test worker each, see its README), not
// the test files one by one: every test file must be in exactly one suite, or CI would silently
// skip it, and the task must run every suite.
import assert from "node:assert/strict";
import { join, normalize, relative } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;
const SUITES = "tests/suites";

/** What the check reads: test files, each suite's imports, and the files the test task names. */
interface SuiteLayout {
  testFiles: string[];
  suites: Map<string, string[]>;
  taskFiles: string[];
}

/** Every way the layout would leave a test file out of `deno task test`, one line each. */
function suiteProblems({ testFiles, suites, taskFiles }: SuiteLayout): string[] {
  const problems: string[] = [];
  const importedBy = new Map<string, string[]>();
  for (const [suite, imports] of suites) {
    for (const file of imports) {
      if (!testFiles.includes(file)) problems.push(`${suite} imports ${file}, not a test file`);
      importedBy.set(file, [...importedBy.get(file) ?? [], suite]);
    }
  }
  for (const file of testFiles) {
    const owners = importedBy.get(file) ?? [];
    if (owners.length === 0) problems.push(`${file} is in no suite: add it to one in ${SUITES}/`);
    if (owners.length > 1) problems.push(`${file} is in ${owners.length} suites: ${owners}`);
  }
  for (const suite of suites.keys()) {
    if (!taskFiles.includes(suite)) {
      problems.push(`the test task in deno.json does not run ${suite}`);
    }
  }
  for (const file of taskFiles) {
    if (!suites.has(file)) problems.push(`the test task runs ${file}, which is not a suite`);
  }
  return problems;
}

async function* files(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* files(path);
    else yield path;
  }
}

async function readLayout(): Promise<SuiteLayout> {
  const all = await Array.fromAsync(files("tests"));
  const testFiles = all.filter((file) => /_test\.tsx?$/.test(file)).sort();
  const suites = new Map<string, string[]>();
  for (const suite of all.filter((file) => file.startsWith(`${SUITES}/`) && file.endsWith(".ts"))) {
    const source = await Deno.readTextFile(join(ROOT, suite));
    const imports = [...source.matchAll(/^import\s*["'](\.[^"']+)["'];/gm)].map((m) =>
      relative(ROOT, normalize(join(ROOT, SUITES, m[1])))
    );
    suites.set(suite, imports);
  }
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const taskFiles = String(config.tasks.test).split(/\s+/).filter((arg) =>
    arg.startsWith("tests/")
  );
  return { testFiles, suites, taskFiles };
}

Deno.test("every test file is in exactly one suite, and deno task test runs every suite", async () => {
  const layout = await readLayout();
  assert.ok(layout.testFiles.length > 100, `found ${layout.testFiles.length} test files`);
  assert.deepEqual(suiteProblems(layout), []);
});

Deno.test("the suite check sees a test file left out, one counted twice, and a suite not run", () => {
  const layout: SuiteLayout = {
    testFiles: ["tests/a_test.ts", "tests/b_test.ts", "tests/c_test.ts"],
    suites: new Map([
      ["tests/suites/one.ts", ["tests/a_test.ts", "tests/b_test.ts"]],
      ["tests/suites/two.ts", ["tests/b_test.ts", "tests/gone_test.ts"]],
    ]),
    taskFiles: ["tests/suites/one.ts"],
  };
  assert.deepEqual(suiteProblems(layout), [
    "tests/suites/two.ts imports tests/gone_test.ts, not a test file",
    "tests/b_test.ts is in 2 suites: tests/suites/one.ts,tests/suites/two.ts",
    "tests/c_test.ts is in no suite: add it to one in tests/suites/",
    "the test task in deno.json does not run tests/suites/two.ts",
  ]);
});
