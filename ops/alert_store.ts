/**
 * The alert state of a log root, under `<root>/.alerts/`:
 *
 * ```
 * state.jsonl     one line per alert instance (rewritten atomically)
 * operator.jsonl  acks, snoozes and silences (rewritten atomically)
 * outbox.jsonl    deliveries not yet made (rewritten atomically)
 * history.jsonl   every notification and delivery outcome (appended; pruned after 14 days)
 * .lock           held (flock) while one process changes the state
 * ```
 *
 * Every file is JSON lines, so a corrupt line costs that line only: it is
 * skipped and counted (`corrupt`), never aborts the load. Readers that only
 * look (the dashboard, the metrics) need no lock: files are replaced by
 * rename and appended a whole line per write.
 *
 * @module
 */
import { join } from "node:path";
import { ALERT_RULE_IDS, ALERT_SINKS } from "../execution/alerts_config.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { AlertInstance, HistoryEntry, OperatorEntry, QueuedDelivery } from "./alert_model.ts";
import type { OperatorView } from "./alert_lifecycle.ts";
import {
  appendJsonl,
  ensureStateDir,
  pruneLinesBefore,
  readJsonl,
  rewriteJsonl,
  StateFileError,
} from "./jsonl_file.ts";

/** The directory under the log root that holds the alert state. */
export const ALERTS_DIR_NAME = ".alerts";

/**
 * Records read from one state file, and the lines skipped.
 *
 * @example
 * ```ts
 * import type { Loaded } from "./alert_store.ts";
 * const loaded: Loaded<number> = { items: [1], corrupt: 0 };
 * ```
 */
export interface Loaded<T> {
  /** The valid records. */
  items: T[];
  /** Lines skipped: not JSON, or not a record of this file. */
  corrupt: number;
}

const STATES = new Set(["pending", "firing", "resolved", "inactive"]);
const RULES = new Set<string>(ALERT_RULE_IDS);
const SINKS = new Set<string>(ALERT_SINKS);

function isInstance(r: Record<string, unknown>): boolean {
  return typeof r.dedupe_key === "string" && RULES.has(r.rule_id as string) &&
    STATES.has(r.state as string) && typeof r.notified === "object" && r.notified !== null &&
    typeof r.labels === "object" && r.labels !== null && typeof r.title === "string";
}

function isOperatorEntry(r: Record<string, unknown>): boolean {
  if (typeof r.created_at !== "string") return false;
  if (r.type === "ack") {
    return typeof r.dedupe_key === "string" &&
      (r.expires_at === null || typeof r.expires_at === "string");
  }
  if (r.type === "snooze") {
    return RULES.has(r.rule_id as string) && typeof r.expires_at === "string";
  }
  if (r.type === "silence") {
    return typeof r.id === "string" && typeof r.matchers === "object" && r.matchers !== null &&
      typeof r.expires_at === "string";
  }
  return false;
}

function isDelivery(r: Record<string, unknown>): boolean {
  return typeof r.id === "string" && SINKS.has(r.sink as string) &&
    typeof r.alert === "object" && r.alert !== null && typeof r.attempts === "number" &&
    typeof r.next_attempt_at === "string";
}

function isHistory(r: Record<string, unknown>): boolean {
  if (typeof r.recorded_at !== "string") return false;
  if (r.type === "alert") return typeof r.alert === "object" && r.alert !== null;
  if (r.type === "delivery") return typeof r.alert_id === "string";
  return false;
}

function micros(iso: string | null): number | null {
  return iso === null ? null : parseTimestampMicros(iso);
}

/**
 * Whether an operator entry is still in force at `nowMs`.
 *
 * @example
 * ```ts
 * import { inForce } from "./alert_store.ts";
 * console.log(inForce({ type: "ack", dedupe_key: "x", created_at: "", expires_at: null }, Date.now())); // true
 * ```
 */
export function inForce(entry: OperatorEntry, nowMs: number): boolean {
  const until = micros(entry.expires_at);
  return until === null ? entry.expires_at === null : until > nowMs * 1000;
}

/**
 * The entries in force, by kind.
 *
 * @example
 * ```ts
 * import { operatorView } from "./alert_store.ts";
 * console.log(operatorView([], Date.now())); // { acks: [], snoozes: [], silences: [] }
 * ```
 */
export function operatorView(entries: readonly OperatorEntry[], nowMs: number): OperatorView {
  const live = entries.filter((e) => inForce(e, nowMs));
  return {
    acks: live.filter((e) => e.type === "ack"),
    snoozes: live.filter((e) => e.type === "snooze"),
    silences: live.filter((e) => e.type === "silence"),
  };
}

/**
 * The alert state files of one log root.
 *
 * @example
 * ```ts
 * import { AlertStore } from "./alert_store.ts";
 * const store = new AlertStore("logs/execution");
 * const { items, corrupt } = await store.readInstances();
 * console.log(items.filter((i) => i.state === "firing").length, corrupt);
 * ```
 */
export class AlertStore {
  /** The log root. */
  readonly root: string;
  /** `<root>/.alerts`. */
  readonly dir: string;

  /** The store of the log root `root` (nothing is read or created yet). */
  constructor(root: string) {
    this.root = root;
    this.dir = join(root, ALERTS_DIR_NAME);
  }

  #path(name: string): string {
    return join(this.dir, name);
  }

  /** Refuse a state directory that is a link (it could point anywhere). */
  async #checkDir(): Promise<boolean> {
    try {
      const info = await Deno.lstat(this.dir);
      if (!info.isDirectory) {
        throw new StateFileError(`${this.dir} is not a directory (a link or a file); remove it`);
      }
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  async #read<T>(name: string, valid: (r: Record<string, unknown>) => boolean): Promise<Loaded<T>> {
    if (!(await this.#checkDir())) return { items: [], corrupt: 0 };
    const { records, corrupt } = await readJsonl(this.#path(name));
    const items: T[] = [];
    let bad = corrupt;
    for (const r of records) {
      if (valid(r)) items.push(r as unknown as T);
      else bad++;
    }
    return { items, corrupt: bad };
  }

  /**
   * Run `body` holding the state lock (an exclusive `flock` on `.alerts/.lock`),
   * so two evaluations, or an evaluation and an ack, never interleave.
   */
  async withLock<T>(body: () => Promise<T>): Promise<T> {
    await ensureStateDir(this.dir);
    const lockPath = this.#path(".lock");
    try {
      const info = await Deno.lstat(lockPath);
      if (!info.isFile) throw new StateFileError(`${lockPath} is not a regular file; remove it`);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const lock = await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o644 });
    try {
      await lock.lock(true);
      try {
        return await body();
      } finally {
        await lock.unlock();
      }
    } finally {
      lock.close();
    }
  }

  /** The alert instances. */
  readInstances(): Promise<Loaded<AlertInstance>> {
    return this.#read("state.jsonl", isInstance);
  }

  /** Replace the alert instances (atomically). */
  async writeInstances(instances: Iterable<AlertInstance>): Promise<void> {
    await ensureStateDir(this.dir);
    await rewriteJsonl(this.#path("state.jsonl"), [...instances]);
  }

  /** Acks, snoozes and silences (expired ones included until the next write). */
  readOperator(): Promise<Loaded<OperatorEntry>> {
    return this.#read("operator.jsonl", isOperatorEntry);
  }

  /** Replace the operator entries (atomically). */
  async writeOperator(entries: readonly OperatorEntry[]): Promise<void> {
    await ensureStateDir(this.dir);
    await rewriteJsonl(this.#path("operator.jsonl"), entries);
  }

  /** Deliveries waiting. */
  readOutbox(): Promise<Loaded<QueuedDelivery>> {
    return this.#read("outbox.jsonl", isDelivery);
  }

  /** Replace the outbox (atomically). */
  async writeOutbox(entries: readonly QueuedDelivery[]): Promise<void> {
    await ensureStateDir(this.dir);
    await rewriteJsonl(this.#path("outbox.jsonl"), entries);
  }

  /** The history, in file order (oldest first). */
  readHistory(): Promise<Loaded<HistoryEntry>> {
    return this.#read("history.jsonl", isHistory);
  }

  /** Append to the history. */
  async appendHistory(entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await ensureStateDir(this.dir);
    await appendJsonl(this.#path("history.jsonl"), entries);
  }

  /**
   * Remove history entries recorded before `nowMs - retentionMs` (lines that
   * cannot be read are kept, so nothing is lost unseen). Returns how many.
   */
  async pruneHistory(retentionMs: number, nowMs: number): Promise<number> {
    return await pruneLinesBefore(
      this.#path("history.jsonl"),
      "recorded_at",
      (nowMs - retentionMs) * 1000,
    );
  }
}
