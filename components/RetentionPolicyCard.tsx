/**
 * The retention policy actually in force (from the config file, or the
 * defaults when it has none) and when retention last ran.
 *
 * @module
 */
import type { JSX } from "preact";
import type { RetentionPolicyView } from "../ops/ops_settings.ts";

/**
 * Props of {@linkcode RetentionPolicyCard}.
 *
 * @example
 * ```ts
 * import type { RetentionPolicyCardProps } from "./RetentionPolicyCard.tsx";
 * type Policy = RetentionPolicyCardProps["policy"];
 * ```
 */
export interface RetentionPolicyCardProps {
  /** The policy in force. */
  policy: RetentionPolicyView;
  /** When retention last ran (ISO 8601), or `null`. */
  lastRun: string | null;
}

/**
 * Renders the policy.
 *
 * @example
 * ```tsx
 * import RetentionPolicyCard from "./RetentionPolicyCard.tsx";
 * const card = (
 *   <RetentionPolicyCard
 *     policy={{ source: "defaults", enabled: true, max_age_days: 30, keep_last_n_sessions: 200, max_total_mb: 2048, compress_after_days: 7, protect_keep_last_from_compress: false, active_grace_minutes: 60 }}
 *     lastRun={null}
 *   />
 * );
 * ```
 */
export default function RetentionPolicyCard(
  { policy, lastRun }: RetentionPolicyCardProps,
): JSX.Element {
  return (
    <div class="panel">
      <dl class="facts">
        <dt>Source</dt>
        <dd>
          {policy.source === "config"
            ? "[execution.telemetry.retention] of the config file"
            : "defaults (the config has no [execution.telemetry.retention])"}
        </dd>
        <dt>Enabled</dt>
        <dd>{policy.enabled ? "yes" : "no"}</dd>
        <dt>Delete sessions older than</dt>
        <dd>{policy.max_age_days} days</dd>
        <dt>Always keep the newest</dt>
        <dd>{policy.keep_last_n_sessions} sessions</dd>
        <dt>Keep the log root under</dt>
        <dd>{policy.max_total_mb} MB</dd>
        <dt>Compress sessions older than</dt>
        <dd>
          {policy.compress_after_days} days
          {policy.protect_keep_last_from_compress
            ? " (the newest kept sessions are not compressed)"
            : ""}
        </dd>
        <dt>Counts as being written</dt>
        <dd>when modified within {policy.active_grace_minutes} minutes</dd>
        <dt>Last run</dt>
        <dd>{lastRun ?? "never recorded (no .last_retention_run marker)"}</dd>
      </dl>
    </div>
  );
}
