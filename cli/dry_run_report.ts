/**
 * The human report of one dry-run order: the original's sections and lines
 * (reference §11), line for line where the original had them.
 *
 * @module
 */
import type { ExecutionResult } from "../execution/types.ts";
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";

const BANNER = "=".repeat(70);

/**
 * The human report of one dry-run, with the original's sections and lines
 * (reference §11); a no-op, a planned (live) order and a failure get a line
 * of their own where the original printed nothing useful; a no-op says
 * there is nothing to do.
 *
 * @example
 * ```ts
 * import { formatDryRunReport } from "./dry_run_report.ts";
 * import { buildExecutionPipeline } from "../execution/config.ts";
 * const result = await buildExecutionPipeline().execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100000 });
 * console.log(formatDryRunReport(result));
 * ```
 */
export function formatDryRunReport(
  result: ExecutionResult,
  positions?: { target: number; current: number },
): string {
  const ctx = result.context;
  const lines: string[] = [
    BANNER,
    "🚀 SIMPLIFIED EXECUTION PIPELINE DRY-RUN",
    BANNER,
    "",
    "📊 INPUT:",
    `  Symbol:           ${ctx.symbol}`,
    `  Mode:             ${ctx.mode}`,
    `  Price:            $${formatPythonFixedGrouped(ctx.price, 2)}`,
  ];
  if (positions !== undefined) {
    lines.push(`  Target Position:  ${formatPythonFixed(positions.target, 6)}`);
    lines.push(`  Current Position: ${formatPythonFixed(positions.current, 6)}`);
  }
  lines.push(`  Desired Delta:    ${formatPythonFixed(result.desiredDelta, 6)}`);
  const tags = ctx.tags === undefined ? [] : [...ctx.tags].sort();
  if (tags.length > 0) lines.push(`  Tags:             ${tags.join(", ")}`);
  lines.push("", "⚙️  EXECUTION:", "", "🔒 GATE DECISIONS:");
  for (const d of result.gateDecisions) {
    lines.push(
      `  ${d.gate.padEnd(20)} ${(d.passed ? "✅ PASS" : "❌ BLOCK").padEnd(10)} ${d.reason}`,
    );
    if (d.modifiedQty !== null && d.modifiedQty !== undefined) {
      lines.push(`    └─ Modified qty: ${formatPythonFixed(d.modifiedQty, 6)}`);
    }
  }
  if (result.status === "noop") {
    // Nothing passed the gates because nothing was asked of them: "allowed" would claim a check.
    lines.push(
      "  (none: the target equals the current position)",
      "",
      "✅ NOTHING TO DO: the position is already at its target; no order is needed",
      "",
      BANNER,
      "✅ DRY-RUN COMPLETE",
      BANNER,
    );
    return `${lines.join("\n")}\n`;
  }
  lines.push("");
  if (result.blocked) {
    lines.push("❌ EXECUTION BLOCKED", `   Reason: ${result.blockReason}`);
    if (result.code !== null) lines.push(`   Code:   ${result.code}`);
    return `${lines.join("\n")}\n`;
  }
  lines.push("✅ EXECUTION ALLOWED", "", "📝 PLANNED ORDERS:");
  result.orders.forEach((o, i) => {
    lines.push(
      `  Order ${i + 1}:`,
      `    Side:     ${o.side.toUpperCase()}`,
      `    Quantity: ${formatPythonFixed(o.quantity, 6)}`,
      `    Price:    $${formatPythonFixedGrouped(o.price, 2)}`,
      `    Notional: $${formatPythonFixedGrouped(o.notional, 2)}`,
      `    Type:     ${o.orderType}`,
    );
  });
  if (result.orders.length === 0) lines.push("  (none)");
  lines.push("", "💰 SIMULATED FILLS:");
  result.fills.forEach((f, i) => {
    lines.push(
      `  Fill ${i + 1}:`,
      `    Side:     ${f.side.toUpperCase()}`,
      `    Quantity: ${formatPythonFixed(f.quantity, 6)}`,
      `    Price:    $${formatPythonFixedGrouped(f.price, 2)} (incl. slippage)`,
      `    Notional: $${formatPythonFixedGrouped(f.notional, 2)}`,
      `    Fee:      $${formatPythonFixed(f.fee, 4)}`,
    );
  });
  if (result.status === "planned") {
    lines.push(`  (none: ${ctx.mode} mode plans the order without sending it)`);
  } else if (result.fills.length === 0) {
    lines.push("  (none)");
  }
  lines.push(
    "",
    "📊 SUMMARY:",
    `  Total Filled:  ${formatPythonFixed(result.totalFilledQty, 6)}`,
    `  Total Notional: $${formatPythonFixedGrouped(result.totalNotional, 2)}`,
    `  Total Fees:     $${formatPythonFixed(result.totalFees, 4)}`,
    "",
    BANNER,
    "✅ DRY-RUN COMPLETE",
    BANNER,
  );
  return `${lines.join("\n")}\n`;
}
