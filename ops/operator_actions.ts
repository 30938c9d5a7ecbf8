/**
 * What an operator does about alerts: acknowledge one (by dedupe key,
 * optionally for a time), snooze a rule (for a required time), lift a
 * snooze, silence alerts matching labels (for a required time) and lift a
 * silence. Each change is made under the state lock and written atomically;
 * the next evaluation applies it.
 *
 * @module
 */
import { ALERT_RULE_IDS, type AlertRuleId } from "../execution/alerts_config.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import type { AckEntry, OperatorEntry, SilenceEntry, SnoozeEntry } from "./alert_model.ts";
import { type AlertStore, inForce } from "./alert_store.ts";

/** Longest ack, snooze or silence: a month (longer ones are forgotten alerts). */
export const MAX_OPERATOR_TTL_MS = 31 * 24 * 3_600_000;
const DEDUPE_KEY = /^[a-z][a-z0-9_]{0,63}(\{[^\n]{0,400}\})?$/;
const LABEL_NAME = /^[a-z_][a-z0-9_]{0,63}$/;

/**
 * An operator action that cannot be done as asked (the message says why).
 *
 * @example
 * ```ts
 * import { OperatorActionError } from "./operator_actions.ts";
 * console.log(new OperatorActionError("unknown rule").name); // "OperatorActionError"
 * ```
 */
export class OperatorActionError extends Error {
  /** `message` says what to change. */
  constructor(message: string) {
    super(message);
    this.name = "OperatorActionError";
  }
}

function checkTtl(ttlMs: number, what: string): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new OperatorActionError(
      `${what} needs a time to live greater than 0 (such as 30m or 2h)`,
    );
  }
  if (ttlMs > MAX_OPERATOR_TTL_MS) {
    throw new OperatorActionError(`${what} may last at most 31 days`);
  }
}

/**
 * Whether `rule` is a rule id; throws {@linkcode OperatorActionError} naming the known ones.
 *
 * @example
 * ```ts
 * import { assertRuleId } from "./operator_actions.ts";
 * assertRuleId("session_stale");
 * ```
 */
export function assertRuleId(rule: string): asserts rule is AlertRuleId {
  if (!(ALERT_RULE_IDS as readonly string[]).includes(rule)) {
    throw new OperatorActionError(
      `unknown rule ${JSON.stringify(rule.slice(0, 64))} (rules: ${ALERT_RULE_IDS.join(", ")})`,
    );
  }
}

async function change(
  store: AlertStore,
  nowMs: number,
  edit: (live: OperatorEntry[]) => OperatorEntry[],
): Promise<void> {
  await store.withLock(async () => {
    const { items } = await store.readOperator();
    await store.writeOperator(edit(items.filter((e) => inForce(e, nowMs))));
  });
}

/**
 * Acknowledge the alert with `dedupeKey`, until it resolves or for `ttlMs`.
 * A second ack of the same key replaces the first. Returns the ack.
 *
 * @example
 * ```ts ignore
 * import { acknowledge } from "./operator_actions.ts";
 * await acknowledge(store, "rejection_rate_high", 2 * 3_600_000);
 * ```
 */
export async function acknowledge(
  store: AlertStore,
  dedupeKey: string,
  ttlMs: number | null,
  nowMs: number = Date.now(),
): Promise<AckEntry> {
  if (!DEDUPE_KEY.test(dedupeKey)) {
    throw new OperatorActionError(
      `${JSON.stringify(dedupeKey.slice(0, 64))} is not an alert's dedupe key ` +
        "(it is the rule id, as `alerts history` shows it)",
    );
  }
  if (ttlMs !== null) checkTtl(ttlMs, "an ack");
  const ack: AckEntry = {
    type: "ack",
    dedupe_key: dedupeKey,
    created_at: formatWireTimestamp(new Date(nowMs)),
    expires_at: ttlMs === null ? null : formatWireTimestamp(new Date(nowMs + ttlMs)),
  };
  await change(store, nowMs, (live) => [
    ...live.filter((e) => !(e.type === "ack" && e.dedupe_key === dedupeKey)),
    ack,
  ]);
  return ack;
}

/**
 * Snooze every alert of `rule` for `ttlMs` (required). Returns the snooze.
 *
 * @example
 * ```ts ignore
 * import { snooze } from "./operator_actions.ts";
 * await snooze(store, "session_stale", 30 * 60_000);
 * ```
 */
export async function snooze(
  store: AlertStore,
  rule: string,
  ttlMs: number,
  nowMs: number = Date.now(),
): Promise<SnoozeEntry> {
  assertRuleId(rule);
  checkTtl(ttlMs, "a snooze");
  const entry: SnoozeEntry = {
    type: "snooze",
    rule_id: rule,
    created_at: formatWireTimestamp(new Date(nowMs)),
    expires_at: formatWireTimestamp(new Date(nowMs + ttlMs)),
  };
  await change(store, nowMs, (live) => [
    ...live.filter((e) => !(e.type === "snooze" && e.rule_id === rule)),
    entry,
  ]);
  return entry;
}

/**
 * Lift the snooze of `rule`; returns whether there was one.
 *
 * @example
 * ```ts ignore
 * import { unsnooze } from "./operator_actions.ts";
 * console.log(await unsnooze(store, "session_stale"));
 * ```
 */
export async function unsnooze(
  store: AlertStore,
  rule: string,
  nowMs: number = Date.now(),
): Promise<boolean> {
  assertRuleId(rule);
  let found = false;
  await change(store, nowMs, (live) =>
    live.filter((e) => {
      const match = e.type === "snooze" && e.rule_id === rule;
      found ||= match;
      return !match;
    }));
  return found;
}

/**
 * Silence every alert whose labels include all `matchers` for `ttlMs`.
 * Returns the silence (its `id` lifts it).
 *
 * @example
 * ```ts ignore
 * import { silence } from "./operator_actions.ts";
 * const s = await silence(store, { severity: "warn" }, 2 * 3_600_000, "maintenance");
 * ```
 */
export async function silence(
  store: AlertStore,
  matchers: Record<string, string>,
  ttlMs: number,
  comment: string,
  nowMs: number = Date.now(),
): Promise<SilenceEntry> {
  const names = Object.keys(matchers);
  if (names.length === 0) {
    throw new OperatorActionError(
      "a silence needs at least one matcher, such as rule_id=session_stale",
    );
  }
  for (const name of names) {
    if (!LABEL_NAME.test(name)) {
      throw new OperatorActionError(`${JSON.stringify(name.slice(0, 64))} is not a label name`);
    }
  }
  checkTtl(ttlMs, "a silence");
  const entry: SilenceEntry = {
    type: "silence",
    id: crypto.randomUUID().slice(0, 8),
    matchers: { ...matchers },
    comment: comment.slice(0, 500),
    created_at: formatWireTimestamp(new Date(nowMs)),
    expires_at: formatWireTimestamp(new Date(nowMs + ttlMs)),
  };
  await change(store, nowMs, (live) => [...live, entry]);
  return entry;
}

/**
 * Lift the silence `id`; returns whether there was one.
 *
 * @example
 * ```ts ignore
 * import { unsilence } from "./operator_actions.ts";
 * console.log(await unsilence(store, "1a2b3c4d"));
 * ```
 */
export async function unsilence(
  store: AlertStore,
  id: string,
  nowMs: number = Date.now(),
): Promise<boolean> {
  let found = false;
  await change(store, nowMs, (live) =>
    live.filter((e) => {
      const match = e.type === "silence" && e.id === id;
      found ||= match;
      return !match;
    }));
  return found;
}
