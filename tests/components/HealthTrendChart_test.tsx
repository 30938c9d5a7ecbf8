import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import HealthTrendChart, { downsample } from "../../components/HealthTrendChart.tsx";
import type { TrendPoint } from "../../ops/health_trends.ts";

function point(i: number, severity: TrendPoint["severity"], disk: number): TrendPoint {
  return {
    ts: new Date(Date.UTC(2026, 10, 25, 0, i)).toISOString(),
    severity,
    disk_mb: disk,
    parse_error_rate: 0,
    rejection_rate: null,
    free_space_pct: null,
  };
}

Deno.test("merged points keep the worst severity and the largest disk usage", () => {
  const points = [
    point(0, "ok", 1),
    point(1, "critical", 2),
    point(2, "warn", 9),
    point(3, "ok", 3),
  ];
  const merged = downsample(points, 2);
  assert.deepEqual(merged.map((p) => [p.severity, p.disk_mb]), [["critical", 2], ["warn", 9]]);
  assert.equal(downsample(points, 10).length, 4);
});

Deno.test("the chart draws one band cell per point and a disk line; too few points say so", () => {
  const html = renderToString(
    <HealthTrendChart points={[point(0, "ok", 1), point(1, "warn", 2)]} label="last 24 hours" />,
  );
  assert.equal(html.match(/<rect /g)?.length, 2);
  assert.match(html, /<polyline class="trend-line"/);
  assert.match(html, /2 snapshots/);
  assert.match(
    renderToString(<HealthTrendChart points={[point(0, "ok", 1)]} label="last 7 days" />),
    /Not enough health snapshots in the last 7 days/,
  );
});
