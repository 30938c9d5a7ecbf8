/**
 * Connecting to NATS for the fleet: server URLs, a token, a user and
 * password, or a credentials file (JWT and NKey seed, as `nsc` writes them),
 * and TLS with a private CA and client certificate. The NATS client is
 * imported only when a connection is made, so a program that never ships
 * never loads it.
 *
 * Under Deno, the client reaches the network through `node:net`, which needs
 * `--allow-net` for the host name (to resolve it) and for every address it
 * resolves to, with the port: `--allow-net=nats.internal,10.0.0.5:4222`
 * (for an IP address in the URL, `--allow-net=10.0.0.5:4222` is enough).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * How to reach and authenticate to the NATS servers.
 *
 * @example
 * ```ts
 * import type { NatsConnectionOptions } from "@peak-trade/execution";
 * const options: NatsConnectionOptions = { servers: ["nats://10.0.0.5:4222"], credsFile: "fleet.creds" };
 * ```
 */
export interface NatsConnectionOptions {
  /** One or more server URLs (`nats://host:4222`, `tls://host:4222`, `host:4222`). */
  servers: string | string[];
  /** A token (`authorization { token }` in the server's configuration). */
  token?: string;
  /** A user name (with `pass`). */
  user?: string;
  /** The user's password. */
  pass?: string;
  /** A credentials file (`.creds`: a user JWT and NKey seed). */
  credsFile?: string;
  /**
   * TLS: `true` for the system's roots, or PEM files of a private CA and a
   * client certificate and key. A `tls://` URL turns TLS on as well.
   */
  tls?: boolean | NatsTlsFiles;
  /** The connection's name, as the server's monitoring shows it. */
  name?: string;
  /**
   * Milliseconds to wait for a connection to be made.
   * @default {5000}
   */
  timeoutMs?: number;
}

/**
 * PEM files for TLS.
 *
 * @example
 * ```ts
 * import type { NatsTlsFiles } from "@peak-trade/execution";
 * const tls: NatsTlsFiles = { caFile: "ca.pem", certFile: "client.pem", keyFile: "client-key.pem" };
 * ```
 */
export interface NatsTlsFiles {
  /** The CA certificate(s) that signed the server's certificate. */
  caFile?: string;
  /** The client certificate (for servers that verify clients). */
  certFile?: string;
  /** The client certificate's private key. */
  keyFile?: string;
}

/** The server URLs of `options` as a list. */
export function serverList(options: Pick<NatsConnectionOptions, "servers">): string[] {
  const list = Array.isArray(options.servers) ? options.servers : [options.servers];
  return list.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Connect to NATS. The connection then reconnects by itself, forever, when
 * the server goes away (publishes fail meanwhile and are retried by their
 * callers). Throws when no server can be reached now; see
 * {@linkcode describeNatsError} for a message a person can act on.
 *
 * @example
 * ```ts
 * import { connectNats, describeNatsError } from "@peak-trade/execution";
 * try {
 *   const nc = await connectNats({ servers: "127.0.0.1:1", timeoutMs: 1000 });
 *   await nc.close();
 * } catch (err) {
 *   console.log(describeNatsError(err, "127.0.0.1:1")); // nothing listens at 127.0.0.1:1 …
 * }
 * ```
 */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const nats = await import("@nats-io/transport-node");
  const servers = serverList(options);
  if (servers.length === 0) throw new Error("no NATS server URL given");
  const tlsWanted = options.tls !== undefined && options.tls !== false ||
    servers.some((s) => s.startsWith("tls://"));
  const files = typeof options.tls === "object" ? options.tls : {};
  const tls = tlsWanted
    ? {
      ...(files.caFile ? { ca: Deno.readTextFileSync(files.caFile) } : {}),
      ...(files.certFile ? { cert: Deno.readTextFileSync(files.certFile) } : {}),
      ...(files.keyFile ? { key: Deno.readTextFileSync(files.keyFile) } : {}),
    }
    : undefined;
  const authenticator = options.credsFile
    ? nats.credsAuthenticator(Deno.readFileSync(options.credsFile))
    : undefined;
  return await nats.connect({
    servers,
    name: options.name,
    token: options.token,
    user: options.user,
    pass: options.pass,
    authenticator,
    tls,
    timeout: options.timeoutMs ?? 5000,
    // Once connected, never give up: the files are the buffer while the server is away.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: false,
  });
}

/**
 * A one-line explanation of a connection or publish error, saying what to
 * check: nothing listening, a name that does not resolve, Deno's network
 * permission, refused credentials, TLS.
 *
 * @example
 * ```ts
 * import { describeNatsError } from "@peak-trade/execution";
 * console.log(describeNatsError(new Error("connection refused"), "127.0.0.1:4222"));
 * ```
 */
export function describeNatsError(err: unknown, servers: string | string[]): string {
  const where = Array.isArray(servers) ? servers.join(",") : servers;
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && parts.length < 4;) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  const text = parts.join(" / ");
  if (/NotCapable|Requires net access/i.test(text)) {
    return `Deno refused network access to ${where}: run with --allow-net for the host name ` +
      `and each address it resolves to with the port (e.g. --allow-net=nats.internal,` +
      `10.0.0.5:4222; see docs/fleet.md) (${text})`;
  }
  if (/EPERM/.test(text) && /getaddrinfo/.test(text)) {
    return `Deno refused to resolve the host name of ${where}: add the bare host name to ` +
      `--allow-net (e.g. --allow-net=localhost,127.0.0.1:4222) (${text})`;
  }
  if (/ECONNREFUSED|connection refused/i.test(text)) {
    return `nothing listens at ${where}: is nats-server running (with -js) and is the URL ` +
      `right? (${text})`;
  }
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) {
    return `the host name of ${where} does not resolve: check the URL (${text})`;
  }
  if (/Authorization|authentication|auth/i.test(text)) {
    return `the server at ${where} refused the credentials: check --token, --user/--password ` +
      `or --creds (${text})`;
  }
  if (/TLS|SSL|certificate|handshake/i.test(text)) {
    return `TLS with ${where} failed: check --tls-ca (the CA that signed the server's ` +
      `certificate) and the client certificate (${text})`;
  }
  if (/timeout|TimeoutError/i.test(text)) {
    return `no answer from ${where} in time (the server is down, overloaded, or unreachable ` +
      `from here) (${text})`;
  }
  if (/no responders|NoResponders|503/i.test(text)) {
    return `JetStream did not answer at ${where}: is nats-server running with -js, and does a ` +
      `stream take these subjects? (${text})`;
  }
  return `${where}: ${text}`;
}
