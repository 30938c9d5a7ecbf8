/**
 * TOML configuration of the execution layer: one strict zod schema (the
 * source of the `ExecutionConfig` type), a parser that reports problems with
 * file, key path, line and column, and the builder of the default pipeline.
 *
 * @module
 */
import { z } from "zod";
import { parse as parseToml, TomlError } from "smol-toml";
import { EXECUTION_MODES, type ExecutionMode } from "./types.ts";
import type { ExecutionEventEmitter } from "./events.ts";
import { DEFAULT_LOG_DIR } from "./log_root.ts";
import { TelemetryRetentionSchema, type TelemetryRetentionSettings } from "./retention_settings.ts";
import { ExecutionPipeline } from "./pipeline.ts";
import { PriceSanityGate } from "./gates/price_sanity_gate.ts";
import { ResearchOnlyGate } from "./gates/research_only_gate.ts";
import { LotSizeGate } from "./gates/lot_size_gate.ts";
import { MinNotionalGate } from "./gates/min_notional_gate.ts";
import { SimulatedBrokerAdapter } from "./simulated_broker.ts";
import { HealthSettingsSchema } from "./health_config.ts";
import { AlertsSettingsSchema } from "./alerts_config.ts";
import { DEFAULT_ROTATE_BYTES, type JsonlExecutionLoggerOptions } from "./telemetry/options.ts";

/** A strict zod object (unknown keys are errors); spelled out for JSR's explicit types. */
type StrictObject<Shape extends z.core.$ZodShape> = z.ZodObject<Shape, z.core.$strict>;

const GatesSectionSchema: StrictObject<{
  block_research_in_live: z.ZodDefault<z.ZodBoolean>;
}> = z.strictObject({
  block_research_in_live: z.boolean().default(true),
});

const RotationSectionSchema: StrictObject<{
  max_bytes: z.ZodDefault<z.ZodNumber>;
  daily: z.ZodDefault<z.ZodBoolean>;
}> = z.strictObject({
  // A whole number of bytes; 0 turns size rotation off.
  max_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_ROTATE_BYTES),
  daily: z.boolean().default(true),
});

const TelemetrySectionSchema: StrictObject<{
  enabled: z.ZodDefault<z.ZodBoolean>;
  base_path: z.ZodDefault<z.ZodString>;
  rotation: z.ZodPrefault<typeof RotationSectionSchema>;
  retention: z.ZodOptional<typeof TelemetryRetentionSchema>;
  health: z.ZodOptional<typeof HealthSettingsSchema>;
}> = z.strictObject({
  enabled: z.boolean().default(true),
  base_path: z.string().min(1).default(DEFAULT_LOG_DIR),
  rotation: RotationSectionSchema.prefault({}),
  // Retention policy (retention_settings.ts) and health thresholds (health_config.ts): absent
  // unless the file has the table, so a reader can say whether the file set them (the dashboard
  // shows where the policy in force comes from); readers apply the defaults
  // (telemetryRetentionSettings, defaultHealthSettings).
  retention: TelemetryRetentionSchema.optional(),
  health: HealthSettingsSchema.optional(),
});

const ExecutionSectionSchema: StrictObject<{
  mode: z.ZodDefault<z.ZodEnum<{ backtest: "backtest"; paper: "paper"; live: "live" }>>;
  slippage_bps: z.ZodDefault<z.ZodNumber>;
  fee_bps: z.ZodDefault<z.ZodNumber>;
  min_notional: z.ZodDefault<z.ZodNumber>;
  lot_size: z.ZodDefault<z.ZodNumber>;
  min_qty: z.ZodDefault<z.ZodNumber>;
  gates: z.ZodPrefault<typeof GatesSectionSchema>;
  telemetry: z.ZodPrefault<typeof TelemetrySectionSchema>;
  alerts: z.ZodOptional<typeof AlertsSettingsSchema>;
}> = z.strictObject({
  mode: z.enum(["backtest", "paper", "live"]).default("paper"),
  slippage_bps: z.number().min(0).lt(10000).default(2.0),
  fee_bps: z.number().min(-100).max(10000).default(0.0),
  min_notional: z.number().min(0).default(10.0),
  lot_size: z.number().min(0).default(0.0001),
  min_qty: z.number().min(0).default(0.0001),
  gates: GatesSectionSchema.prefault({}),
  telemetry: TelemetrySectionSchema.prefault({}),
  // Alert rules and sinks (alerts_config.ts): absent unless the file has the table.
  alerts: AlertsSettingsSchema.optional(),
});

/** The only top-level table this module reads. */
const EXECUTION_TABLE = "execution";
/** Top-level keys this close to `execution` (edit distance, ignoring case) are taken for typos. */
const MAX_TABLE_TYPO_DISTANCE = 2;
/**
 * Keys that only mean something inside `[execution]` (or `[execution.gates]`); written at the
 * top level they would be silently ignored, so they are errors. `mode` is not among them: a
 * shared project config may well have a top-level `mode` of its own.
 */
const MISPLACED_EXECUTION_KEYS: ReadonlyMap<string, string> = new Map([
  ["slippage_bps", "[execution]"],
  ["fee_bps", "[execution]"],
  ["min_notional", "[execution]"],
  ["lot_size", "[execution]"],
  ["min_qty", "[execution]"],
  ["block_research_in_live", "[execution.gates]"],
]);

/**
 * Schema of an execution config file: `[execution]` (`mode`, `slippage_bps`,
 * `fee_bps`, `min_notional`, `lot_size`, `min_qty`), `[execution.gates]`
 * (`block_research_in_live`), `[execution.telemetry]` (`enabled`,
 * `base_path`), `[execution.telemetry.rotation]` (`max_bytes`, `daily`),
 * `[execution.telemetry.retention]` (see {@linkcode TelemetryRetentionSchema}),
 * `[execution.telemetry.health]` and `[execution.alerts]`. The execution tables are strict (unknown keys are errors),
 * nothing is coerced, and every key has the original's default. Other
 * top-level tables (a shared project config) are not checked and are passed
 * through as read, except near-misses of `execution` (`[Execution]`,
 * `[executoin]`: equal ignoring case, or at most two edits away) and
 * execution keys written at the top level (`fee_bps = 10` above any table),
 * which are errors.
 *
 * @example
 * ```ts
 * import { ExecutionConfigSchema } from "@peak-trade/execution";
 * const config = ExecutionConfigSchema.parse({ execution: { fee_bps: 10 }, strategy: { fast: 12 } });
 * console.log(config.execution.slippage_bps, config.execution.fee_bps); // 2 10
 * console.log(ExecutionConfigSchema.safeParse({ executoin: {} }).success); // false
 * ```
 */
export const ExecutionConfigSchema: z.ZodObject<{
  execution: z.ZodPrefault<typeof ExecutionSectionSchema>;
}, z.core.$loose> = z.looseObject({
  execution: ExecutionSectionSchema.prefault({}),
}).superRefine((config, ctx) => {
  for (const key of Object.keys(config)) {
    if (key !== EXECUTION_TABLE && isNearMiss(key.toLowerCase(), EXECUTION_TABLE)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `unknown table; did you mean [${EXECUTION_TABLE}]?`,
      });
    }
    const table = MISPLACED_EXECUTION_KEYS.get(key);
    if (table !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `belongs in ${table}; at the top level it would be ignored`,
      });
    }
  }
});

/**
 * A validated execution config, defaults filled in (the output of
 * {@linkcode ExecutionConfigSchema}).
 *
 * @example
 * ```ts
 * import { type ExecutionConfig, parseExecutionConfig } from "@peak-trade/execution";
 * const config: ExecutionConfig = parseExecutionConfig('[execution]\nmode = "backtest"\n');
 * console.log(config.execution.mode); // "backtest"
 * ```
 */
export type ExecutionConfig = z.infer<typeof ExecutionConfigSchema>;

/**
 * What {@linkcode buildExecutionPipeline} accepts: a config in the shape of
 * the file, where every key may be left out.
 *
 * @example
 * ```ts
 * import { buildExecutionPipeline, type ExecutionConfigInput } from "@peak-trade/execution";
 * const input: ExecutionConfigInput = { execution: { mode: "paper", fee_bps: 10 } };
 * const pipeline = buildExecutionPipeline(input);
 * ```
 */
export type ExecutionConfigInput = z.input<typeof ExecutionConfigSchema>;

/**
 * A configuration problem, with where it is: the file, the key path
 * (`execution.fee_bps`; `null` for syntax errors), and the 1-based line and
 * column when known. `message` is the first problem in the form
 * `config.toml:4:11: execution.fee_bps: expected a number, got "10"`;
 * `problems` lists every problem found, in file order.
 *
 * @example
 * ```ts
 * import { ConfigError, parseExecutionConfig } from "@peak-trade/execution";
 * try {
 *   parseExecutionConfig('[execution]\nfee_bps = "10"\n', "config.toml");
 * } catch (err) {
 *   if (err instanceof ConfigError) console.log(err.message);
 *   // config.toml:2:11: execution.fee_bps: expected a number, got "10"
 * }
 * ```
 */
export class ConfigError extends Error {
  /** The file (or source name) the problem is in. */
  readonly file: string;
  /** Dotted key path, or `null` for syntax and file errors. */
  readonly keyPath: string | null;
  /** 1-based line, when known. */
  readonly line: number | null;
  /** 1-based column, when known. */
  readonly column: number | null;
  /** Every problem found, formatted like `message`, in file order. */
  readonly problems: readonly string[];

  /** Build the error; `message` is the problem text without the location prefix. */
  constructor(
    file: string,
    message: string,
    where: { keyPath?: string | null; line?: number | null; column?: number | null } = {},
    problems?: readonly string[],
  ) {
    const keyPath = where.keyPath ?? null;
    const line = where.line ?? null;
    const column = where.column ?? null;
    const formatted = formatProblem(file, keyPath, line, column, message);
    super(formatted);
    this.name = "ConfigError";
    this.file = file;
    this.keyPath = keyPath;
    this.line = line;
    this.column = column;
    this.problems = problems ?? [formatted];
  }
}

function formatProblem(
  file: string,
  keyPath: string | null,
  line: number | null,
  column: number | null,
  message: string,
): string {
  const location = line === null
    ? file
    : column === null
    ? `${file}:${line}`
    : `${file}:${line}:${column}`;
  return keyPath === null ? `${location}: ${message}` : `${location}: ${keyPath}: ${message}`;
}

/**
 * Parse and validate the text of an execution config file. An empty text
 * gives the defaults.
 *
 * @param toml The TOML text.
 * @param source Name of the file in error messages.
 * @throws {ConfigError} on a syntax error, an unknown key, a wrong type or an
 * out-of-range value.
 *
 * @example
 * ```ts
 * import { parseExecutionConfig } from "@peak-trade/execution";
 * const config = parseExecutionConfig('[execution]\nfee_bps = 10.0\n', "config.toml");
 * console.log(config.execution.fee_bps, config.execution.telemetry.base_path); // 10 "logs/execution"
 * ```
 */
export function parseExecutionConfig(toml: string, source = "<config>"): ExecutionConfig {
  let raw: unknown;
  try {
    raw = parseToml(toml);
  } catch (err) {
    if (err instanceof TomlError) {
      const detail = err.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(source, `invalid TOML: ${detail}`, {
        line: err.line,
        column: err.column,
      });
    }
    throw new ConfigError(
      source,
      `invalid TOML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return validate(raw, source, locateKeys(toml));
}

/**
 * Read, parse and validate an execution config file.
 *
 * @param path The file to read.
 * @throws {ConfigError} when the file is missing, unreadable, not a regular
 * file (a FIFO or device, or a link to one, is refused without being opened)
 * or larger than 1 MiB (naming the path), or on any problem
 * {@linkcode parseExecutionConfig} reports.
 *
 * @example
 * ```ts ignore
 * import { loadExecutionConfig } from "@peak-trade/execution";
 * const config = await loadExecutionConfig("docs/examples/execution.toml");
 * console.log(config.execution.mode);
 * ```
 */
export async function loadExecutionConfig(path: string): Promise<ExecutionConfig> {
  // A config is a small text file; anything bigger is a wrong path (or /dev/zero), not a config.
  const maxBytes = 1024 * 1024;
  let text: string;
  try {
    // Look before opening: opening a FIFO waits for a writer, and a device may never end.
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new ConfigError(path, "is a directory, not a config file");
    if (!info.isFile) {
      throw new ConfigError(
        path,
        "is not a regular file (a FIFO, device or socket, or a link to one): " +
          "give the path of a TOML file",
      );
    }
    if (info.size > maxBytes) {
      throw new ConfigError(
        path,
        `is ${info.size} bytes; a config file may be at most 1 MiB (1048576 bytes)`,
      );
    }
    using file = await Deno.open(path, { read: true });
    const opened = await file.stat();
    if (!opened.isFile || opened.ino !== info.ino || opened.dev !== info.dev) {
      throw new ConfigError(path, "was replaced while it was being opened; try again");
    }
    // Read one byte past the cap, so a file that grew since the check is refused, not read whole.
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = await file.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    if (length > maxBytes) {
      throw new ConfigError(
        path,
        "grew past 1 MiB while it was read: a config file may be at most 1 MiB",
      );
    }
    // As Deno.readTextFile: invalid UTF-8 becomes U+FFFD, a byte order mark stays for the parser.
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(buffer.subarray(0, length));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError(
        path,
        "config file not found: check the path, or leave the option out to use the defaults",
      );
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new ConfigError(path, "is a directory, not a config file");
    }
    if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
      throw new ConfigError(
        path,
        `cannot read the config file (${err.message}): grant read access`,
      );
    }
    throw new ConfigError(
      path,
      `cannot read the config file: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseExecutionConfig(text, path);
}

/**
 * Options of {@linkcode buildExecutionPipeline}.
 *
 * @example
 * ```ts
 * import { buildExecutionPipeline, type BuildExecutionPipelineOptions, MemoryEmitter } from "@peak-trade/execution";
 * const options: BuildExecutionPipelineOptions = { emitter: new MemoryEmitter(), mode: "live" };
 * const pipeline = buildExecutionPipeline({}, options);
 * ```
 */
export interface BuildExecutionPipelineOptions {
  /**
   * Receives the pipeline's events (for example a `JsonlExecutionLogger`).
   * @default {undefined} (no telemetry)
   */
  emitter?: ExecutionEventEmitter;
  /**
   * Mode that decides whether a simulated broker is attached, instead of
   * `execution.mode`; pass the mode of the contexts you will execute in so
   * that the two agree (`live` attaches no adapter: orders are planned).
   * @default {config.execution.mode}
   */
  mode?: ExecutionMode;
}

/**
 * Build the pipeline a config describes: gates PriceSanity → ResearchOnly →
 * LotSize → MinNotional, and a simulated broker in paper and backtest mode.
 *
 * @throws {ConfigError} when `config` is not a valid config (source
 * `<config object>`).
 *
 * @example
 * ```ts
 * import { buildExecutionPipeline, parseExecutionConfig } from "@peak-trade/execution";
 * const pipeline = buildExecutionPipeline(parseExecutionConfig(""));
 * const result = await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000 });
 * console.log(result.status); // "filled"
 * ```
 */
export function buildExecutionPipeline(
  config: ExecutionConfigInput = {},
  options: BuildExecutionPipelineOptions = {},
): ExecutionPipeline {
  const { execution } = validate(config, "<config object>", new Map());
  const mode = options.mode ?? execution.mode;
  if (!EXECUTION_MODES.includes(mode)) {
    throw new ConfigError(
      "<options>",
      `expected one of ${quoteAll(EXECUTION_MODES)}, got ${describeValue(mode)}`,
      {
        keyPath: "mode",
      },
    );
  }
  const gates = [
    new PriceSanityGate(),
    new ResearchOnlyGate({ blockResearchInLive: execution.gates.block_research_in_live }),
    new LotSizeGate({ lotSize: execution.lot_size, minQty: execution.min_qty }),
    new MinNotionalGate({ minNotional: execution.min_notional }),
  ];
  const adapter = mode === "paper" || mode === "backtest"
    ? new SimulatedBrokerAdapter({ slippageBps: execution.slippage_bps, feeBps: execution.fee_bps })
    : undefined;
  return new ExecutionPipeline({ gates, adapter, emitter: options.emitter });
}

interface KeyLocation {
  line: number;
  keyColumn: number;
  valueColumn: number;
}

type Issue = z.core.$ZodIssue;

function validate(
  raw: unknown,
  source: string,
  locations: Map<string, KeyLocation>,
): ExecutionConfig {
  const parsed = ExecutionConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, locations));
  problems.sort((a, b) =>
    (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0)
  );
  const texts = problems.map((p) => formatProblem(source, p.keyPath, p.line, p.column, p.message));
  const first = problems[0];
  throw new ConfigError(source, first.message, first, texts);
}

interface Problem {
  keyPath: string;
  line: number | null;
  column: number | null;
  message: string;
}

function describeIssue(issue: Issue, raw: unknown, locations: Map<string, KeyLocation>): Problem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeys(path);
    return issue.keys.map((key) => {
      const keyPath = [...path, key].join(".");
      const at = locate(locations, keyPath);
      return {
        keyPath,
        line: at?.line ?? null,
        column: at?.keyColumn ?? null,
        message: `unknown key (allowed here: ${allowed.join(", ")})`,
      };
    });
  }
  const keyPath = path.join(".");
  const at = locate(locations, keyPath);
  const value = valueAt(raw, path);
  // A misspelt table is about its name: point at the key, as for unknown keys; custom checks of
  // a value (durations, thresholds) say so with `params.at` and point at the value.
  const column = issue.code === "custom" && issue.params?.at !== "value"
    ? at?.keyColumn
    : at?.valueColumn;
  const problem = { keyPath, line: at?.line ?? null, column: column ?? null };
  switch (issue.code) {
    case "invalid_type":
      return [{
        ...problem,
        message: `expected ${
          issue.expected === "number" && typeof value === "number"
            ? "a finite number"
            : expectedType(issue.expected)
        }, got ${describeValue(value)}`,
      }];
    case "invalid_value":
      return [{
        ...problem,
        message: `expected one of ${quoteAll(issue.values.map(String))}, got ${
          describeValue(value)
        }`,
      }];
    case "too_small":
      return [{
        ...problem,
        message: issue.origin === "string"
          ? `expected a non-empty string, got ${describeValue(value)}`
          : `expected a number ${issue.inclusive ? "≥" : ">"} ${issue.minimum}, got ${
            describeValue(value)
          }`,
      }];
    case "too_big":
      return [{
        ...problem,
        message: `expected a number ${issue.inclusive ? "≤" : "<"} ${issue.maximum}, got ${
          describeValue(value)
        }`,
      }];
    default:
      return [{ ...problem, message: issue.message }];
  }
}

/**
 * Where `keyPath` is, or else its nearest located parent: a key inside an inline table
 * (`headers = { X-Token = "…" }`) is not found by the line scan, but its table's line is.
 */
function locate(locations: Map<string, KeyLocation>, keyPath: string): KeyLocation | undefined {
  for (let path = keyPath; path !== ""; path = path.slice(0, Math.max(0, path.lastIndexOf(".")))) {
    const at = locations.get(path);
    if (at !== undefined) return at;
  }
  return undefined;
}

/** The keys the schema allows in the table at `path` (walking through defaults and transforms). */
function allowedKeys(path: string[]): string[] {
  let schema: z.core.$ZodType | undefined = ExecutionConfigSchema;
  for (const segment of [...path, null]) {
    // Unwrap what wraps a table: defaults, optionals, and transforms of its parsed value.
    for (let depth = 0; schema !== undefined && depth < 8; depth++) {
      const def = schema._zod.def as z.core.$ZodTypeDef & {
        innerType?: z.core.$ZodType;
        in?: z.core.$ZodType;
      };
      const inner: z.core.$ZodType | undefined = def.innerType ?? def.in;
      if (inner === undefined) break;
      schema = inner;
    }
    if (!(schema instanceof z.ZodObject)) return [];
    if (segment === null) return Object.keys(schema.shape);
    schema = schema.shape[segment];
  }
  return [];
}

function expectedType(expected: string): string {
  switch (expected) {
    case "number":
      return "a number";
    case "int":
      return "a whole number";
    case "boolean":
      return "a boolean (true or false, without quotes)";
    case "string":
      return "a string";
    case "object":
      return "a table";
    default:
      return expected;
  }
}

function valueAt(raw: unknown, path: string[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return `a date-time (${String(value)})`;
  if (typeof value === "object") return value === null ? "null" : "a table";
  return typeof value;
}

function quoteAll(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/**
 * Where each key of a TOML text is, by dotted path: a cheap line scan for
 * `[table]` headers and `key = value` lines, good enough to point at a key in
 * an error message (multi-line strings may confuse it; then no line is shown).
 */
function locateKeys(toml: string): Map<string, KeyLocation> {
  const locations = new Map<string, KeyLocation>();
  let table: string[] = [];
  const lines = toml.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    const header = /^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header !== null) {
      table = splitKey(header[1]);
      const at = {
        line: i + 1,
        keyColumn: line.indexOf("[") + 2,
        valueColumn: line.indexOf("[") + 1,
      };
      // `[a.b]` also locates `a`, so that errors about `a` itself point here.
      for (let depth = 1; depth <= table.length; depth++) {
        const prefix = table.slice(0, depth).join(".");
        if (!locations.has(prefix)) locations.set(prefix, at);
      }
      continue;
    }
    const assignment = /^(\s*)([A-Za-z0-9_\-."' ]+?)\s*=\s*/.exec(line);
    if (assignment === null) continue;
    const keyPath = [...table, ...splitKey(assignment[2])].join(".");
    if (!locations.has(keyPath)) {
      locations.set(keyPath, {
        line: i + 1,
        keyColumn: assignment[1].length + 1,
        valueColumn: assignment[0].length + 1,
      });
    }
  }
  return locations;
}

function splitKey(key: string): string[] {
  return key.split(".").map((part) => part.trim().replace(/^(["'])(.*)\1$/, "$2"));
}

/** Whether `a` is at most `MAX_TABLE_TYPO_DISTANCE` single-character edits away from `b`. */
function isNearMiss(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > MAX_TABLE_TYPO_DISTANCE) return false;
  // Levenshtein distance, one row at a time.
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] <= MAX_TABLE_TYPO_DISTANCE;
}

/**
 * The `JsonlExecutionLogger` options a config asks for: the log root
 * (`execution.telemetry.base_path`) and rotation
 * (`[execution.telemetry.rotation]`: `max_bytes`, 0 = no size rotation, and
 * `daily`). Add your own (`onError`, `fsync`) on top.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger, parseExecutionConfig, telemetryLoggerOptions } from "@peak-trade/execution";
 * const config = parseExecutionConfig("[execution.telemetry.rotation]\nmax_bytes = 8388608\n");
 * const logger = new JsonlExecutionLogger(telemetryLoggerOptions(config));
 * console.log(telemetryLoggerOptions(config).rotateBytes); // 8388608
 * await logger.close();
 * ```
 */
export function telemetryLoggerOptions(config: ExecutionConfig): JsonlExecutionLoggerOptions {
  const { base_path, rotation } = config.execution.telemetry;
  return {
    baseDir: base_path,
    rotateBytes: rotation.max_bytes === 0 ? Infinity : rotation.max_bytes,
    daily: rotation.daily,
  };
}

/**
 * The retention policy a config sets: its `[execution.telemetry.retention]`
 * table, or the defaults (the original's) when the file has none.
 *
 * @example
 * ```ts
 * import { parseExecutionConfig, telemetryRetentionSettings } from "@peak-trade/execution";
 * console.log(telemetryRetentionSettings(parseExecutionConfig("")).max_total_mb); // 2048
 * const config = parseExecutionConfig("[execution.telemetry.retention]\nmax_age_days = 14\n");
 * console.log(telemetryRetentionSettings(config).max_age_days); // 14
 * ```
 */
export function telemetryRetentionSettings(config: ExecutionConfig): TelemetryRetentionSettings {
  return config.execution.telemetry.retention ?? TelemetryRetentionSchema.parse({});
}
