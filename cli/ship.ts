/**
 * `peak-trade ship`: forward every session of a log root to NATS JetStream,
 * resuming where it stopped, until SIGINT or SIGTERM.
 *
 * @module
 */
import { checkWritableLogDir, readCommandArgs, stringOption, UsageError } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import {
  NATS_HELP,
  NATS_OPTIONS,
  natsConnectionFromFlags,
  numberFlag,
  streamFromFlags,
} from "./nats_flags.ts";
import { stopSignal } from "./stop_signal.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { InvalidHostIdError, isValidHostId } from "../execution/fleet/host_id.ts";
import { ShipConfigError, Shipper, type ShipperOptions } from "../fleet/shipper.ts";

const HELP = `Usage: peak-trade ship --nats URL --host-id ID [options]

Forward every session of a log root (active files, rotated and compressed segments)
to NATS JetStream, subject peak.exec.<host>.<session>, and keep doing so as they grow.
Progress is checkpointed in <log-dir>/.fleet/ship; a restart resumes from it. While the
server is unreachable it retries with backoff; nothing is lost (the files are the buffer,
and retention keeps what is not shipped yet). Stops on Ctrl-C or SIGTERM.

Options:
  --host-id ID        this host's id: 1-63 of A-Z a-z 0-9 _ -, no dots (or PEAK_HOST_ID)
  --log-dir DIR       the log root to ship (default: ${DEFAULT_LOG_DIR})
  --batch-kb N        largest batch in KiB (default 256; capped by the server's max_payload)
  --poll-ms N         wait between looks when nothing is new (default 50)
  -h, --help          show this help

${NATS_HELP}
Exit codes: 0 stopped by a signal; 2 bad flags, or a log root already shipped under
another host id or stream.
`;

/** Options of {@linkcode runShipCommand} beyond its arguments (tests, embedding). */
export interface ShipRunOptions {
  /** Stops shipping when aborted (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Called with the shipper once it runs. */
  onStart?: (shipper: Shipper) => void;
}

/**
 * `peak-trade ship`: forward a log root to JetStream until stopped. Returns
 * the exit code.
 *
 * @example
 * ```ts
 * import { runShipCommand } from "./ship.ts";
 * import { memoryIo } from "./io.ts";
 * console.log(await runShipCommand(["--host-id", "a.b"], memoryIo())); // 2
 * ```
 */
export async function runShipCommand(
  args: string[],
  io: CliIo,
  run: ShipRunOptions = {},
): Promise<number> {
  const input = readCommandArgs(
    io,
    {
      command: "ship",
      help: HELP,
      options: {
        ...NATS_OPTIONS,
        "host-id": { type: "string" },
        "batch-kb": { type: "string" },
        "poll-ms": { type: "string" },
      },
      positionals: false,
    },
    args,
    (parsed, logDir): ShipperOptions => {
      const hostId = stringOption(parsed.values["host-id"]) ?? io.env("PEAK_HOST_ID");
      if (hostId === undefined) {
        throw new UsageError("--host-id: missing this host's id (e.g. --host-id ny4-trader-01)");
      }
      if (!isValidHostId(hostId)) throw new UsageError(new InvalidHostIdError(hostId).message);
      return {
        baseDir: logDir,
        hostId,
        connection: natsConnectionFromFlags(parsed, io),
        stream: streamFromFlags(parsed),
        batchBytes: numberFlag(parsed, "batch-kb", 256) * 1024,
        pollMs: numberFlag(parsed, "poll-ms", 50),
      };
    },
  );
  if (typeof input === "number") return input;
  const problem = await checkWritableLogDir(input.baseDir);
  if (problem !== null) {
    io.err(`peak-trade ship: ${problem} (the checkpoints are written in the log root)\n`);
    return EXIT.USAGE;
  }
  const shipper = new Shipper({ ...input, log: (line) => io.err(`peak-trade ship: ${line}\n`) });
  io.err(
    `peak-trade ship: shipping ${input.baseDir} as ${input.hostId} to ` +
      `${input.stream.stream} at ${[input.connection.servers].flat().join(",")}\n`,
  );
  using stop = stopSignal(run.signal);
  run.onStart?.(shipper);
  try {
    await shipper.run(stop.signal);
  } catch (err) {
    if (err instanceof ShipConfigError) {
      io.err(`peak-trade ship: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  const s = shipper.stats;
  io.err(
    `peak-trade ship: stopped; shipped ${s.lines} lines in ${s.batches} batches ` +
      `(${s.duplicates} already stored)\n`,
  );
  return EXIT.OK;
}
