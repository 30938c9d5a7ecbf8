/**
 * `peak-trade collect`: write the fleet's JetStream stream into a central
 * log root, exactly once, until SIGINT or SIGTERM.
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
import { FLEET_SUBJECT_PREFIX, fleetSubjectFilter } from "../execution/fleet/subjects.ts";
import { CollectConfigError, Collector, type CollectorOptions } from "../fleet/collector.ts";

const DEFAULT_DURABLE = "peak-collect";
const DURABLE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const HELP = `Usage: peak-trade collect --nats URL --log-dir CENTRAL [options]

Write the fleet's stream into a central log root: host H's session S becomes the session
H.S there (a valid session id; cut and hashed beyond 128 characters), every line byte for
byte with its original seq. A durable pull consumer with explicit acks: a message is
acknowledged once its lines are on disk; one delivered again is recognised by its seq and
not written twice; a gap in seq is reported and recorded in .fleet/collect/. Collectors
started with the same --durable share the work; restart one at any time. Stops on Ctrl-C
or SIGTERM.

Options:
  --log-dir DIR       the central log root (default: ${DEFAULT_LOG_DIR})
  --durable NAME      the durable consumer (default ${DEFAULT_DURABLE})
  --host ID           collect only this host (subject filter peak.exec.<ID>.*)
  --filter SUBJECT    the consumer's subject filter (default peak.exec.>)
  --rotate-mb N       central files rotate into segments at this size (default 64)
  --no-fsync          acknowledge without fsync (faster; a power loss may then lose lines)
  -h, --help          show this help

${NATS_HELP}
Exit codes: 0 stopped by a signal; 2 bad flags, or a consumer of that name with another filter.
`;

/** Options of {@linkcode runCollectCommand} beyond its arguments (tests, embedding). */
export interface CollectRunOptions {
  /** Stops collecting when aborted (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Called with the collector once it runs. */
  onStart?: (collector: Collector) => void;
}

/**
 * `peak-trade collect`: write the stream into a central log root until
 * stopped. Returns the exit code.
 *
 * @example
 * ```ts
 * import { runCollectCommand } from "./collect.ts";
 * import { memoryIo } from "./io.ts";
 * console.log(await runCollectCommand(["--durable", "a.b"], memoryIo())); // 2
 * ```
 */
export async function runCollectCommand(
  args: string[],
  io: CliIo,
  run: CollectRunOptions = {},
): Promise<number> {
  const input = readCommandArgs(
    io,
    {
      command: "collect",
      help: HELP,
      options: {
        ...NATS_OPTIONS,
        durable: { type: "string" },
        host: { type: "string" },
        filter: { type: "string" },
        "rotate-mb": { type: "string" },
        "no-fsync": { type: "boolean" },
      },
      positionals: false,
    },
    args,
    (parsed, logDir): CollectorOptions => {
      const durable = stringOption(parsed.values.durable) ?? DEFAULT_DURABLE;
      if (!DURABLE_NAME.test(durable)) {
        throw new UsageError(
          `--durable: ${JSON.stringify(durable)} is not a consumer name (1-64 of A-Z a-z 0-9 _ -)`,
        );
      }
      const host = stringOption(parsed.values.host);
      const filter = stringOption(parsed.values.filter);
      if (host !== undefined && filter !== undefined) {
        throw new UsageError("use --host or --filter, not both");
      }
      if (host !== undefined && !isValidHostId(host)) {
        throw new UsageError(`--host: ${new InvalidHostIdError(host).message}`);
      }
      if (filter !== undefined && !filter.startsWith(`${FLEET_SUBJECT_PREFIX}.`)) {
        throw new UsageError(
          `--filter: ${JSON.stringify(filter)} is not a subject of the fleet (peak.exec.…)`,
        );
      }
      return {
        baseDir: logDir,
        durable,
        filterSubject: filter ?? fleetSubjectFilter(host),
        connection: natsConnectionFromFlags(parsed, io),
        stream: streamFromFlags(parsed),
        rotateBytes: numberFlag(parsed, "rotate-mb", 64, false) * 1024 * 1024,
        fsync: parsed.values["no-fsync"] !== true,
      };
    },
  );
  if (typeof input === "number") return input;
  const problem = await checkWritableLogDir(input.baseDir);
  if (problem !== null) {
    io.err(`peak-trade collect: ${problem} (pass the central log root with --log-dir)\n`);
    return EXIT.USAGE;
  }
  const collector = new Collector({
    ...input,
    log: (line) => io.err(`peak-trade collect: ${line}\n`),
  });
  io.err(
    `peak-trade collect: writing ${input.stream.stream} (${input.filterSubject}, consumer ` +
      `${input.durable}) into ${input.baseDir}\n`,
  );
  using stop = stopSignal(run.signal);
  run.onStart?.(collector);
  try {
    await collector.run(stop.signal);
  } catch (err) {
    if (err instanceof CollectConfigError) {
      io.err(`peak-trade collect: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  const s = collector.stats;
  io.err(
    `peak-trade collect: stopped; wrote ${s.lines} lines (${s.duplicateLines} repeats skipped, ` +
      `${s.gaps} gaps, ${s.foreign} foreign messages)\n`,
  );
  return EXIT.OK;
}
