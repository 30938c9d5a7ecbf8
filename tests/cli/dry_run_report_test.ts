import assert from "node:assert/strict";
import { formatDryRunReport } from "../../cli/dry_run_report.ts";
import { buildExecutionPipeline } from "../../execution/config.ts";
import type { ExecutionMode } from "../../execution/types.ts";

async function result(mode: ExecutionMode, target: number, current: number) {
  return await buildExecutionPipeline({}, { mode }).execute(target, current, {
    mode,
    symbol: "BTC-USD",
    price: 100_000,
  });
}

function assertIncludes(text: string, fragment: string): void {
  assert.ok(text.includes(fragment), `expected ${JSON.stringify(fragment)} in:\n${text}`);
}

Deno.test("formatDryRunReport says a live order is planned, not sent", async () => {
  const report = formatDryRunReport(await result("live", 0.5, 0.1), { target: 0.5, current: 0.1 });
  assertIncludes(report, "✅ EXECUTION ALLOWED\n");
  assertIncludes(
    report,
    "💰 SIMULATED FILLS:\n  (none: live mode plans the order without sending it)\n",
  );
});

Deno.test("formatDryRunReport says there is nothing to do for a no-op, not that it was allowed", async () => {
  const report = formatDryRunReport(await result("paper", 0.5, 0.5), { target: 0.5, current: 0.5 });
  assertIncludes(report, "🔒 GATE DECISIONS:\n  (none: the target equals the current position)\n");
  assertIncludes(report, "NOTHING TO DO");
  assert.doesNotMatch(report, /EXECUTION ALLOWED|PLANNED ORDERS|SIMULATED FILLS/);
  assert.match(report, /✅ DRY-RUN COMPLETE\n=+\n$/);
});
