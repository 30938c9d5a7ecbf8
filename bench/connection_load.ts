/**
 * Connection-limit load check of the dashboard, on loopback only:
 *
 * 1. starts `main.ts serve` in a child process (port 0, a temp log dir, the
 *    given `--idle-timeout`; with `--ulimit N`, under `ulimit -n N`);
 * 2. opens `--idle` (default 2,000) TCP connections that never send a byte;
 * 3. while they are open, a normal client sends `--requests` GET /healthz
 *    (each must answer 200) and the latency is reported;
 * 4. waits for the server to close the idle connections and reports when
 *    (each must be closed by the server, all within the timeout plus a few
 *    seconds, and none before the timeout except those evicted to admit
 *    connections beyond `--max-connections`);
 * 5. checks that the server never exited and still answers, then stops it
 *    with SIGTERM (exit 0 expected).
 *
 * Run: `deno run -A bench/connection_load.ts` (2,000 idle, 5 s timeout), or
 * `deno run -A bench/connection_load.ts --ulimit 256` (the same at a
 * file-descriptor limit far below 2,000: the server refuses and evicts, and
 * never exits). Exits 1 when a check fails, 2 on bad flags.
 *
 * @module
 */

interface LoadOptions {
  idle: number;
  idleTimeout: number;
  requests: number;
  ulimit: number | null;
  maxConnections: number | null;
}

const USAGE = `Usage: deno run -A bench/connection_load.ts [--idle 2000] [--idle-timeout 5]
  [--requests 20] [--ulimit N] [--max-connections N]`;

function parseArgs(args: string[]): LoadOptions {
  const options: LoadOptions = {
    idle: 2000,
    idleTimeout: 5,
    requests: 20,
    ulimit: null,
    maxConnections: null,
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = inline ?? args[++i];
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === "--idle") options.idle = Math.floor(n);
    else if (flag === "--idle-timeout") options.idleTimeout = n;
    else if (flag === "--requests") options.requests = Math.floor(n);
    else if (flag === "--ulimit") options.ulimit = Math.floor(n);
    else if (flag === "--max-connections") options.maxConnections = Math.floor(n);
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

function collect(stream: ReadableStream<Uint8Array<ArrayBuffer>>): () => string {
  let text = "";
  stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  return () => text;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

async function run(options: LoadOptions): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "peak-connection-load-" });
  const serve = `"$0" run -A --config "$1" "$2" serve --port 0 --log-dir "$3" ` +
    `--idle-timeout ${options.idleTimeout}` +
    (options.maxConnections === null ? "" : ` --max-connections ${options.maxConnections}`);
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      options.ulimit === null ? `exec ${serve}` : `ulimit -n ${options.ulimit} && exec ${serve}`,
      Deno.execPath(),
      CONFIG,
      MAIN,
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  let exitedAt: number | null = null;
  const status = child.status.then((s) => {
    exitedAt = performance.now();
    return s;
  });
  const failures: string[] = [];
  const idle: Deno.TcpConn[] = [];
  try {
    const deadline = Date.now() + 60_000;
    let match: RegExpExecArray | null;
    while ((match = /Dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout())) === null) {
      if (exitedAt !== null || Date.now() > deadline) {
        throw new Error(`the dashboard did not start: ${stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const port = Number(match[1]);
    console.log(stdout().trim());

    // 2. Idle connections: each watched for the server closing it.
    const openStart = performance.now();
    const closedAt: Promise<number | null>[] = [];
    for (let i = 0; i < options.idle; i++) {
      let conn: Deno.TcpConn;
      try {
        conn = await Deno.connect({ hostname: "127.0.0.1", port });
      } catch (err) {
        failures.push(`could not open idle connection ${i + 1}: ${err}`);
        break;
      }
      idle.push(conn);
      const opened = performance.now();
      closedAt.push(
        conn.read(new Uint8Array(64)).then(
          (n) => (n === null ? performance.now() - opened : null),
          () => performance.now() - opened, // a reset is a close by the server too
        ),
      );
    }
    console.log(
      `opened ${idle.length} idle connections in ${Math.round(performance.now() - openStart)} ms`,
    );

    // 3. A normal client while they are open.
    const latencies: number[] = [];
    for (let i = 0; i < options.requests; i++) {
      const start = performance.now();
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
          signal: AbortSignal.timeout(15_000),
        });
        await res.body?.cancel();
        if (res.status !== 200) failures.push(`request ${i + 1}: status ${res.status}`);
      } catch (err) {
        failures.push(`request ${i + 1}: ${err}`);
      }
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `normal client: ${options.requests} × GET /healthz, p50 ${
        percentile(latencies, 0.5).toFixed(1)
      } ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );

    // 4. The idle connections are closed by the server after the timeout.
    const timeoutMs = options.idleTimeout * 1000;
    const waitMs = timeoutMs + 10_000;
    const times = await Promise.all(
      closedAt.map((p) =>
        Promise.race([p, new Promise<"open">((r) => setTimeout(() => r("open"), waitMs))])
      ),
    );
    const stillOpen = times.filter((t) => t === "open").length;
    const closed = times.filter((t): t is number => typeof t === "number").sort((a, b) => a - b);
    if (stillOpen > 0) failures.push(`${stillOpen} idle connections still open after ${waitMs} ms`);
    if (closed.length > 0) {
      console.log(
        `idle connections closed by the server: ${closed.length}, after ${
          (closed[0] / 1000).toFixed(2)
        } s (first) to ${
          (closed.at(-1)! / 1000).toFixed(2)
        } s (last); timeout ${options.idleTimeout} s`,
      );
    }
    // Beyond the connection limit each new connection evicts the one idle the longest, so that
    // many close early; every other one must wait for the timeout (less one sweep, 1 s at most).
    const maxConnections = Number(/Limits: (\d+) connections/.exec(stdout())?.[1]);
    const early = closed.filter((t) => t < timeoutMs - 1000).length;
    console.log(
      `closed before the timeout (evicted to make room, limit ${maxConnections}): ${early}`,
    );
    // (+1: the normal client's connection is one more.)
    if (options.ulimit === null && early > Math.max(0, idle.length + 1 - maxConnections)) {
      failures.push(`${early} idle connections closed before the timeout`);
    }

    // 5. Alive and answering.
    if (exitedAt !== null) failures.push(`the server exited: ${stderr()}`);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch((err) => err);
    if (!(res instanceof Response) || res.status !== 200) {
      failures.push(`GET /healthz after the run: ${res instanceof Response ? res.status : res}`);
    } else await res.body?.cancel();
  } finally {
    for (const conn of idle) {
      try {
        conn.close();
      } catch {
        // Closed by the server.
      }
    }
    if (exitedAt === null) child.kill("SIGTERM");
    const { code } = await status;
    if (code !== 0) failures.push(`exit code ${code} after SIGTERM`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const log = stderr().trim();
  const lines = log === "" ? 0 : log.split("\n").length;
  console.log(`server log: ${lines} lines${lines > 0 ? `, e.g. ${log.split("\n")[0]}` : ""}`);
  if (/Uncaught|\n\s+at /.test(log)) failures.push("the server log holds a stack trace");
  for (const failure of failures) console.error(`FAIL: ${failure}`);
  console.log(failures.length === 0 ? "all checks passed" : `${failures.length} checks failed`);
  return failures.length === 0;
}

if (import.meta.main) {
  let options: LoadOptions;
  try {
    options = parseArgs(Deno.args);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n${USAGE}`);
    Deno.exit(2);
  }
  Deno.exit((await run(options)) ? 0 : 1);
}
