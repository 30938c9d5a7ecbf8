/**
 * What `collect` keeps beside the central sessions, under
 * `<central root>/.fleet/collect/`: which host and session each central
 * session came from and the gaps found in it, the latest status of each
 * shipper, and the state of each durable consumer. The dashboard reads it to
 * label sessions with their host and to show which hosts are behind.
 *
 * ```text
 * .fleet/collect/sessions/<central id>.json   host, session, first seen, gaps
 * .fleet/collect/hosts/<host>.json            the host's last ship status, and when it arrived
 * .fleet/collect/consumers/<durable>.json     messages pending and awaiting acks, when looked at
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { isValidHostId } from "../execution/fleet/host_id.ts";
import { FLEET_STATE_DIR } from "../execution/fleet/ship_checkpoint.ts";
import { writeFileAtomicSync } from "../execution/atomic_file.ts";
import { readRegularTextFile } from "../execution/wire/regular_file.ts";
import { isValidSessionId } from "../execution/session_id.ts";
import { parseShipStatus, type ShipStatus } from "./ship_status.ts";

const SESSION_FORMAT = "peak-exec-central/1";
const MAX_FILE_BYTES = 1024 * 1024;
/** Gaps kept per session (the count goes on). */
const MAX_GAPS = 100;

/** A gap found in a central session. */
export interface CentralGap {
  /** Key of the last line before the gap. */
  after: string;
  /** Key of the first line after it. */
  first: string;
  /** When it was written past (ISO 8601). */
  at: string;
}

/** Where a central session came from, and its gaps. */
export interface CentralSessionMeta {
  /** The central session id. */
  central_session_id: string;
  /** The host. */
  host_id: string;
  /** The session on the host. */
  session_id: string;
  /** When collect first saw it (ISO 8601). */
  first_seen: string;
  /** Gaps found (the latest {@linkcode MAX_GAPS}). */
  gaps: CentralGap[];
  /** Gaps found in all. */
  gap_count: number;
}

/** A host's last status, as received. */
export interface HostStatusRecord {
  /** The status the shipper sent. */
  status: ShipStatus;
  /** When it arrived (ISO 8601). */
  received_at: string;
}

/** A consumer's state when a collector last looked. */
export interface ConsumerStatusRecord {
  /** The stream. */
  stream: string;
  /** The durable consumer. */
  durable: string;
  /** Its subject filter. */
  filter_subject: string;
  /** Messages in the stream not yet delivered to it. */
  num_pending: number;
  /** Messages delivered and not yet acknowledged. */
  num_ack_pending: number;
  /** When this was read (ISO 8601). */
  at: string;
}

/** `<root>/.fleet/collect`. */
export function collectStateDir(baseDir: string): string {
  return join(baseDir, FLEET_STATE_DIR, "collect");
}

/** The JSON of a small regular file; `null` when missing, a link, too large or not JSON. */
function readSmallJson(path: string): unknown {
  try {
    const text = readRegularTextFile(path, MAX_FILE_BYTES);
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

function listJson(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** Write a central session's record. */
export function writeCentralSessionMeta(baseDir: string, meta: CentralSessionMeta): void {
  const path = join(collectStateDir(baseDir), "sessions", `${meta.central_session_id}.json`);
  writeFileAtomicSync(
    path,
    `${JSON.stringify({ format: SESSION_FORMAT, ...meta, gaps: meta.gaps.slice(-MAX_GAPS) })}\n`,
  );
}

/** A central session's record, or `null`. */
export function readCentralSessionMeta(
  baseDir: string,
  centralId: string,
): CentralSessionMeta | null {
  if (!isValidSessionId(centralId)) return null;
  return toMeta(readSmallJson(join(collectStateDir(baseDir), "sessions", `${centralId}.json`)));
}

function toMeta(value: unknown): CentralSessionMeta | null {
  const v = value as Partial<CentralSessionMeta> & { format?: string };
  if (
    v === null || typeof v !== "object" || v.format !== SESSION_FORMAT ||
    !isValidSessionId(v.central_session_id) || !isValidHostId(v.host_id) ||
    !isValidSessionId(v.session_id)
  ) {
    return null;
  }
  return {
    central_session_id: v.central_session_id,
    host_id: v.host_id,
    session_id: v.session_id,
    first_seen: String(v.first_seen ?? ""),
    gaps: Array.isArray(v.gaps) ? v.gaps : [],
    gap_count: Number(v.gap_count ?? 0),
  };
}

/** Every central session's record, by central session id. */
export function readCentralSessionMetas(baseDir: string): Map<string, CentralSessionMeta> {
  const metas = new Map<string, CentralSessionMeta>();
  for (const path of listJson(join(collectStateDir(baseDir), "sessions"))) {
    const meta = toMeta(readSmallJson(path));
    if (meta !== null) metas.set(meta.central_session_id, meta);
  }
  return metas;
}

/** Keep a host's latest status. */
export function writeHostStatus(baseDir: string, record: HostStatusRecord): void {
  writeFileAtomicSync(
    join(collectStateDir(baseDir), "hosts", `${record.status.host_id}.json`),
    `${JSON.stringify(record)}\n`,
  );
}

/** Every host's latest status. */
export function readHostStatuses(baseDir: string): HostStatusRecord[] {
  const records: HostStatusRecord[] = [];
  for (const path of listJson(join(collectStateDir(baseDir), "hosts"))) {
    const value = readSmallJson(path) as Partial<HostStatusRecord> | null;
    const status = value?.status === undefined
      ? null
      : parseShipStatus(JSON.stringify(value.status));
    if (status !== null && typeof value?.received_at === "string") {
      records.push({ status, received_at: value.received_at });
    }
  }
  return records.sort((a, b) => a.status.host_id < b.status.host_id ? -1 : 1);
}

/** Keep a consumer's latest state. */
export function writeConsumerStatus(baseDir: string, record: ConsumerStatusRecord): void {
  writeFileAtomicSync(
    join(collectStateDir(baseDir), "consumers", `${record.durable}.json`),
    `${JSON.stringify(record)}\n`,
  );
}

/** Every consumer's latest state. */
export function readConsumerStatuses(baseDir: string): ConsumerStatusRecord[] {
  const records: ConsumerStatusRecord[] = [];
  for (const path of listJson(join(collectStateDir(baseDir), "consumers"))) {
    const v = readSmallJson(path) as Partial<ConsumerStatusRecord> | null;
    if (
      v !== null && typeof v === "object" && typeof v.durable === "string" &&
      typeof v.num_pending === "number" && typeof v.num_ack_pending === "number" &&
      typeof v.at === "string"
    ) {
      records.push({
        stream: String(v.stream ?? ""),
        durable: v.durable,
        filter_subject: String(v.filter_subject ?? ""),
        num_pending: v.num_pending,
        num_ack_pending: v.num_ack_pending,
        at: v.at,
      });
    }
  }
  return records;
}
