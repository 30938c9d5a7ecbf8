/**
 * The NATS flags `ship` and `collect` share: server URLs, authentication
 * (token, user and password, credentials file), TLS, and the stream. Secrets
 * may come from the environment instead of the command line, where other
 * users of the machine could read them.
 *
 * @module
 */
import { UsageError } from "./arguments.ts";
import type { CliIo } from "./io.ts";
import type { NatsConnectionOptions } from "../execution/fleet/nats_connection.ts";
import { DEFAULT_FLEET_STREAM, isValidStreamName } from "../execution/fleet/subjects.ts";
import type { FleetStreamOptions } from "../execution/fleet/fleet_stream.ts";
import type { ParsedArgs } from "./arguments.ts";
import type { OptionSpecs } from "./parse_args.ts";

/** The options of the shared flags (see `parse_args.ts`). */
export const NATS_OPTIONS: OptionSpecs = {
  nats: { type: "string" },
  stream: { type: "string" },
  replicas: { type: "string" },
  "max-age-hours": { type: "string" },
  token: { type: "string" },
  user: { type: "string" },
  password: { type: "string" },
  creds: { type: "string" },
  tls: { type: "boolean" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
};

/** The `--help` lines of the shared flags. */
export const NATS_HELP = `NATS:
  --nats URL[,URL]    NATS server URL(s), e.g. nats://10.0.0.5:4222 (or PEAK_NATS_URL)
  --stream NAME       the JetStream stream (default ${DEFAULT_FLEET_STREAM}); created with file
                      storage and subjects peak.exec.> when missing
  --replicas N        replicas of a stream created here (default 1; 3 on a cluster)
  --max-age-hours H   how long a stream created here keeps messages (default 168)
  --token T           token authentication (or PEAK_NATS_TOKEN)
  --user U            user and password authentication, with --password P (or PEAK_NATS_PASSWORD)
  --creds FILE        a credentials file (user JWT and NKey seed)
  --tls               use TLS (a tls:// URL does too)
  --tls-ca FILE       PEM of the CA that signed the server's certificate
  --tls-cert FILE     client certificate (PEM), with --tls-key FILE

Deno's network permission must name the server's host name and each address it resolves
to, with the port: --allow-net=nats.internal,10.0.0.5:4222 (deno task uses --allow-net).
`;

function text(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new UsageError(`--${name}: expected a value, got an empty one`);
  }
  return value.trim();
}

function readableFile(flag: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    if (!Deno.statSync(path).isFile) throw new UsageError(`--${flag}: ${path} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `--${flag}: cannot read ${path} (${err instanceof Error ? err.name : err})`,
    );
  }
  return path;
}

function positiveNumber(
  parsed: ParsedArgs,
  flag: string,
  fallback: number,
  integer: boolean,
): number {
  const value = text(parsed, flag);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag}: expected a positive ${integer ? "integer" : "number"}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return n;
}

/** A positive number flag (integer when `integer`), or `fallback`; throws {@linkcode UsageError}. */
export function numberFlag(
  parsed: ParsedArgs,
  flag: string,
  fallback: number,
  integer = true,
): number {
  return positiveNumber(parsed, flag, fallback, integer);
}

/** The connection options of the shared flags and the environment; throws {@linkcode UsageError}. */
export function natsConnectionFromFlags(parsed: ParsedArgs, io: CliIo): NatsConnectionOptions {
  const url = text(parsed, "nats") ?? io.env("PEAK_NATS_URL");
  if (url === undefined || url.trim() === "") {
    throw new UsageError("--nats: missing the NATS server URL (e.g. --nats nats://10.0.0.5:4222)");
  }
  const servers = url.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const server of servers) {
    if (!/^((nats|tls):\/\/)?[^\s/?#]+(:\d{1,5})?\/?$/.test(server)) {
      throw new UsageError(
        `--nats: ${JSON.stringify(server)} is not a NATS URL (nats://host:4222 or host:4222)`,
      );
    }
  }
  const token = text(parsed, "token") ?? io.env("PEAK_NATS_TOKEN");
  const user = text(parsed, "user");
  const pass = text(parsed, "password") ?? io.env("PEAK_NATS_PASSWORD");
  if (pass !== undefined && user === undefined && parsed.values.password !== undefined) {
    throw new UsageError("--password needs --user");
  }
  if (user !== undefined && pass === undefined) {
    throw new UsageError("--user needs --password (or PEAK_NATS_PASSWORD)");
  }
  const creds = readableFile("creds", text(parsed, "creds"));
  const methods = [token, user, creds].filter((m) => m !== undefined).length;
  if (methods > 1) {
    throw new UsageError("use one of --token, --user/--password and --creds, not several");
  }
  const caFile = readableFile("tls-ca", text(parsed, "tls-ca"));
  const certFile = readableFile("tls-cert", text(parsed, "tls-cert"));
  const keyFile = readableFile("tls-key", text(parsed, "tls-key"));
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const tlsFiles = caFile !== undefined || certFile !== undefined;
  return {
    servers,
    token,
    user,
    pass: user === undefined ? undefined : pass,
    credsFile: creds,
    tls: tlsFiles ? { caFile, certFile, keyFile } : parsed.values.tls === true ? true : undefined,
  };
}

/** The stream options of the shared flags; throws {@linkcode UsageError}. */
export function streamFromFlags(parsed: ParsedArgs): FleetStreamOptions {
  const stream = text(parsed, "stream") ?? DEFAULT_FLEET_STREAM;
  if (!isValidStreamName(stream)) {
    throw new UsageError(
      `--stream: ${JSON.stringify(stream)} is not a stream name (1-64 of A-Z a-z 0-9 _ -)`,
    );
  }
  return {
    stream,
    replicas: positiveNumber(parsed, "replicas", 1, true),
    maxAgeHours: positiveNumber(parsed, "max-age-hours", 168, false),
  };
}
