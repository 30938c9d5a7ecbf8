/**
 * The fleet's JetStream stream: created when missing (file storage, the
 * fleet's subjects, a duplicate window for `Nats-Msg-Id`), or checked when
 * an operator configured it (it must take the subjects we publish on).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { StreamInfo } from "@nats-io/jetstream";
import { FLEET_STREAM_SUBJECTS } from "./subjects.ts";

/**
 * How the stream is created when it does not exist.
 *
 * @example
 * ```ts
 * import type { FleetStreamOptions } from "./fleet_stream.ts";
 * const options: FleetStreamOptions = { stream: "PEAK_EXEC", replicas: 3, maxAgeHours: 72 };
 * ```
 */
export interface FleetStreamOptions {
  /** The stream's name. */
  stream: string;
  /**
   * Replicas of a stream created here (3 on a three-node cluster).
   * @default {1}
   */
  replicas?: number;
  /**
   * How long a created stream keeps a message (collectors must read it by then).
   * @default {168} (7 days)
   */
  maxAgeHours?: number;
  /**
   * Duplicate window of a created stream: a batch published again within it
   * (same `Nats-Msg-Id`) is dropped by the server.
   * @default {120000}
   */
  duplicateWindowMs?: number;
}

/** What {@linkcode ensureFleetStream} found or did. */
export interface FleetStreamState {
  /** `created` by this call, or `existing` (an operator's, or an earlier run's). */
  origin: "created" | "existing";
  /** The stream's configured subjects. */
  subjects: string[];
  /** Its duplicate window in milliseconds. */
  duplicateWindowMs: number;
  /** Its storage. */
  storage: string;
}

const NANOS_PER_MS = 1_000_000;

/**
 * Whether the NATS subject pattern `pattern` (with `*` and `>`) matches `subject`.
 *
 * @example
 * ```ts
 * import { subjectMatches } from "./fleet_stream.ts";
 * console.log(subjectMatches("peak.exec.>", "peak.exec.ny4-01.paper-1")); // true
 * ```
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/**
 * Make sure `options.stream` exists and takes `probeSubject` (a subject we
 * publish on): create it when missing, with file storage and
 * `peak.exec.>`; refuse (throw, saying what to change) an existing stream
 * that does not take it.
 *
 * @example
 * ```ts ignore
 * import { ensureFleetStream } from "./fleet_stream.ts";
 * // nc: a NatsConnection from connectNats()
 * const state = await ensureFleetStream(nc, { stream: "PEAK_EXEC" }, "peak.exec.ny4-01.x");
 * ```
 */
export async function ensureFleetStream(
  nc: NatsConnection,
  options: FleetStreamOptions,
  probeSubject: string,
): Promise<FleetStreamState> {
  const js = await import("@nats-io/jetstream");
  const jsm = await js.jetstreamManager(nc);
  let info: StreamInfo;
  let origin: FleetStreamState["origin"] = "existing";
  try {
    info = await jsm.streams.info(options.stream);
  } catch (err) {
    const missing = err instanceof js.JetStreamApiError &&
      err.code === js.JetStreamApiCodes.StreamNotFound;
    if (!missing) throw err;
    try {
      info = await jsm.streams.add({
        name: options.stream,
        subjects: [FLEET_STREAM_SUBJECTS],
        storage: js.StorageType.File,
        retention: js.RetentionPolicy.Limits,
        discard: js.DiscardPolicy.Old,
        num_replicas: options.replicas ?? 1,
        max_age: Math.round((options.maxAgeHours ?? 168) * 3600 * 1000) * NANOS_PER_MS,
        duplicate_window: (options.duplicateWindowMs ?? 120_000) * NANOS_PER_MS,
      });
      origin = "created";
    } catch (addErr) {
      // Another shipper or collector created it meanwhile.
      try {
        info = await jsm.streams.info(options.stream);
      } catch {
        throw addErr;
      }
    }
  }
  const subjects = info.config.subjects ?? [];
  if (!subjects.some((pattern) => subjectMatches(pattern, probeSubject))) {
    throw new Error(
      `stream ${options.stream} exists but does not take ${probeSubject} (its subjects: ` +
        `${subjects.join(", ") || "none"}): add ${FLEET_STREAM_SUBJECTS} to its subjects, or ` +
        "name another stream with --stream",
    );
  }
  return {
    origin,
    subjects,
    duplicateWindowMs: Math.round((info.config.duplicate_window ?? 0) / NANOS_PER_MS),
    storage: String(info.config.storage),
  };
}
