// Shared set-up of the tests that need Debian's `prometheus` package: `promtool` to check
// expositions and rules, and the real server for the scrape test. In CI (.ci/run installs the
// package) a missing binary fails the tests; elsewhere they are skipped with a visible message.

export const PROMTOOL = "/usr/bin/promtool";
export const PROMETHEUS = "/usr/bin/prometheus";

function installed(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const inCi: boolean = Deno.env.get("CI") === "true";
/** Skip (with a visible message) only outside CI and only when the package is missing. */
export const skipPrometheusTests: boolean = !(installed(PROMTOOL) && installed(PROMETHEUS)) &&
  !inCi;

if (skipPrometheusTests) {
  console.warn(
    `SKIPPED Prometheus tests: ${PROMTOOL} or ${PROMETHEUS} not found (install Debian's prometheus package)`,
  );
}

/** What a promtool run printed and how it ended. */
export interface ToolRun {
  code: number;
  output: string;
}

/** Run `promtool args…`, with `stdin` as its input when given. */
export async function promtool(args: string[], stdin?: string, cwd?: string): Promise<ToolRun> {
  if (!installed(PROMTOOL)) throw new Error(`${PROMTOOL} is required when CI=true`);
  const child = new Deno.Command(PROMTOOL, {
    args,
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    output: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr),
  };
}

/** `promtool check metrics` of an exposition: exit 0 and no finding, or the findings. */
export async function checkMetrics(exposition: string): Promise<ToolRun> {
  return await promtool(["check", "metrics"], exposition);
}

/** The repository root. */
export const ROOT: URL = new URL("../../", import.meta.url);
