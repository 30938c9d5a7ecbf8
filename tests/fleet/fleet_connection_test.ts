// The connection options against a real nats-server: token authentication (and a clear message
// for a wrong token), TLS with a private CA, and the exact network permission docs/fleet.md
// documents (no --allow-all).
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import { sessionEnd, spawnCli, waitFor, writeSessions } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fleet_conn_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Ship `dir/host` and collect into `dir/central` with `flags`; wait for the session to arrive. */
async function shipAndCollect(dir: string, url: string, flags: string[]): Promise<void> {
  await writeSessions(`${dir}/host`, ["s1"], 100);
  await using collect = spawnCli([
    "collect",
    "--nats",
    url,
    "--log-dir",
    `${dir}/central`,
    ...flags,
  ]);
  await using ship = spawnCli([
    "ship",
    "--nats",
    url,
    "--host-id",
    "h1",
    "--log-dir",
    `${dir}/host`,
    ...flags,
  ]);
  const end = await sessionEnd(`${dir}/host`, "s1");
  try {
    await waitFor(
      "the session in the central root",
      async () => (await sessionEnd(`${dir}/central`, "h1.s1")) === end,
      30_000,
    );
  } catch (err) {
    console.error(ship.stderr(), collect.stderr());
    throw err;
  }
}

Deno.test("ship and collect authenticate with a token", async () => {
  await withDir(async (dir) => {
    await using server = await startNatsServer(["--auth", "s3cret-token"]);
    await shipAndCollect(dir, server.url, ["--token", "s3cret-token"]);
  });
});

Deno.test("a wrong token is reported as refused credentials, and retried", async () => {
  await withDir(async (dir) => {
    await using server = await startNatsServer(["--auth", "s3cret-token"]);
    await using ship = spawnCli([
      "ship",
      "--nats",
      server.url,
      "--host-id",
      "h1",
      "--log-dir",
      dir,
      "--token",
      "wrong",
    ]);
    await waitFor("the refusal", () => /refused the credentials/.test(ship.stderr()), 30_000);
    assert.match(ship.stderr(), /retrying in/);
  });
});

Deno.test("ship and collect connect over TLS with a private CA", async () => {
  await withDir(async (dir) => {
    const openssl = async (args: string[]) => {
      const out = await new Deno.Command("openssl", {
        args,
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=fleet-test-ca",
    ]);
    await openssl([
      "req",
      ...ec,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=localhost",
    ]);
    await Deno.writeTextFile(`${dir}/san.cnf`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    await openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "san.cnf",
    ]);
    await using server = await startNatsServer(
      ["--tls", "--tlscert", `${dir}/server.pem`, "--tlskey", `${dir}/server.key`],
      "tls",
    );
    // The certificate is checked against the URL's host name (see docs/fleet.md on TLS).
    const url = `tls://localhost:${server.port}`;
    await shipAndCollect(dir, url, ["--tls-ca", `${dir}/ca.pem`]);
  });
});

Deno.test("ship runs with exactly the documented permissions (no --allow-all)", async () => {
  await withDir(async (dir) => {
    await using server = await startNatsServer();
    await writeSessions(`${dir}/host`, ["s1"], 10);
    const args = (net: string) => [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      `--allow-net=${net}`,
      "--quiet",
      MAIN,
      "ship",
      "--nats",
      `localhost:${server.port}`,
      "--host-id",
      "h1",
      "--log-dir",
      `${dir}/host`,
    ];
    // Host name and address with the port: it connects and creates the stream.
    const allowed = new Deno.Command(Deno.execPath(), {
      args: args(`localhost,127.0.0.1:${server.port}`),
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let text = "";
    const reading = (async () => {
      for await (const chunk of allowed.stderr) text += new TextDecoder().decode(chunk);
    })();
    try {
      await waitFor("the stream", () => /stream PEAK_EXEC (created|found)/.test(text), 30_000);
    } finally {
      allowed.kill("SIGTERM");
      await allowed.status;
      await reading;
    }
    // Only the address: the host name cannot be resolved, and the message says what to add.
    const refused = new Deno.Command(Deno.execPath(), {
      args: args(`127.0.0.1:${server.port}`),
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let refusal = "";
    const readingRefusal = (async () => {
      for await (const chunk of refused.stderr) refusal += new TextDecoder().decode(chunk);
    })();
    try {
      await waitFor(
        "the refusal",
        () => /add the bare host name to --allow-net/.test(refusal),
        30_000,
      );
    } finally {
      refused.kill("SIGTERM");
      await refused.status;
      await readingRefusal;
    }
  });
});
