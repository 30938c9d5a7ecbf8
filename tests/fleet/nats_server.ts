/**
 * A real `nats-server` with JetStream for the fleet tests: on a free
 * loopback port (`-p -1`, the port read from its log), with a temporary
 * store directory, ready when its log says so (polled, no fixed sleep), and
 * always stopped (and its store removed) by `close()`. `stop()` and
 * `start()` take it down and bring it back on the same port and store, for
 * the outage tests.
 *
 * @module
 */

const READY_TIMEOUT_MS = 20_000;

/** A running (or stopped) test server. */
export interface TestNatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** Its JetStream store directory. */
  readonly storeDir: string;
  /** Stop it (SIGTERM, then SIGKILL if it lingers). */
  stop(): Promise<void>;
  /** Start it again on the same port and store. */
  start(): Promise<void>;
  /** Stop it for good and remove its store. */
  close(): Promise<void>;
}

interface Running {
  child: Deno.ChildProcess;
  log: { text: string };
  done: Promise<void>;
  exited: { value: boolean };
}

function launch(storeDir: string, port: number, extra: string[]): Running {
  const child = new Deno.Command("nats-server", {
    args: ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir, ...extra],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = { text: "" };
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) log.text += decoder.decode(chunk, { stream: true });
  })();
  const exited = { value: false };
  child.status.then(() => {
    exited.value = true;
  });
  return { child, log, done, exited };
}

async function waitReady(running: Running): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let wait = 5; Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
    const port = /Listening for client connections on [\d.]+:(\d+)/.exec(running.log.text);
    if (port !== null && running.log.text.includes("Server is ready")) return Number(port[1]);
    if (running.exited.value) throw new Error(`nats-server did not start:\n${running.log.text}`);
    await new Promise((r) => setTimeout(r, wait));
  }
  throw new Error(`nats-server was not ready in ${READY_TIMEOUT_MS} ms:\n${running.log.text}`);
}

async function halt(running: Running): Promise<void> {
  try {
    running.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      running.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, 5000);
  await running.child.status;
  clearTimeout(timer);
  await running.done;
}

/**
 * Start nats-server with JetStream on a free loopback port and a temporary
 * store; `extra` adds flags (`--auth TOKEN`, `--tls …`), and `scheme` names
 * the URL's (`tls` for a TLS server).
 */
export async function startNatsServer(
  extra: string[] = [],
  scheme = "nats",
): Promise<TestNatsServer> {
  const storeDir = await Deno.makeTempDir({ prefix: "fleet_nats_" });
  let running: Running | null = launch(storeDir, -1, extra);
  let port: number;
  try {
    port = await waitReady(running);
  } catch (err) {
    await halt(running);
    await Deno.remove(storeDir, { recursive: true });
    throw err;
  }
  const server: TestNatsServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    storeDir,
    async stop() {
      if (running === null) return;
      const r = running;
      running = null;
      await halt(r);
    },
    async start() {
      if (running !== null) return;
      const r = launch(storeDir, port, extra);
      running = r;
      try {
        await waitReady(r);
      } catch (err) {
        running = null;
        await halt(r);
        throw err;
      }
    },
    async close() {
      await server.stop();
      await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return server;
}
