import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { SummaryCards } from "../../components/SummaryCards.tsx";
import { getExecutionSummary } from "../../live/summary.ts";
import type { ExecutionSummary } from "../../live/types.ts";

/** The summary of a session without events, read as the product reads one. */
async function emptySummary(): Promise<ExecutionSummary> {
  const dir = await Deno.makeTempDir({ prefix: "peak-summary-cards-" });
  try {
    return await getExecutionSummary("demo", { baseDir: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const EMPTY = await emptySummary();

function summary(fields: Partial<ExecutionSummary> = {}): ExecutionSummary {
  return { ...EMPTY, found: true, ...fields };
}

const labels = (html: string): string[] =>
  [...html.matchAll(/<span class="card-label">([^<]*)<\/span>/g)].map((m) => m[1]);

Deno.test("kind cards show the known kinds in pipeline order, then kinds of other writers", () => {
  const html = renderToString(
    <SummaryCards summary={summary({ kind_counts: { custom: 1, fill: 2, intent: 3 } })} />,
  );
  assert.deepEqual(labels(html).slice(0, 4), ["Events", "INTENT", "FILL", "CUSTOM"]);
});

Deno.test("the gate blocks card names each blocking gate only when some gate blocked", () => {
  const blocked = renderToString(
    <SummaryCards summary={summary({ gate_blocks: { LotSize: 2, MinNotional: 1 } })} />,
  );
  assert.match(blocked, /class="card card-wide"/);
  assert.match(
    blocked,
    /<span class="card-value">3<\/span><span class="card-note">LotSize 2, MinNotional 1</,
  );
  const clear = renderToString(<SummaryCards summary={summary()} />);
  assert.doesNotMatch(clear, /card-wide|card-note/);
});

Deno.test("block rate, notional and fees are shown as percent and dollars", () => {
  const html = renderToString(
    <SummaryCards
      summary={summary({
        block_rate: 0.4625,
        fills: { count: 2, notional: 53192.914, fees: 53.19289 },
      })}
    />,
  );
  assert.match(html, />46\.3 %</);
  // An amount this long takes the smaller font, so it never breaks across lines.
  assert.match(html, /Fill notional<\/span><span class="card-value card-value-long">\$53,192\.91</);
  assert.match(html, /\$53\.1929/);
});

Deno.test("each number has one card: the fill count is the FILL kind card only", () => {
  const html = renderToString(
    <SummaryCards
      summary={summary({
        kind_counts: { fill: 2 },
        fills: { count: 2, notional: 1, fees: 0 },
      })}
    />,
  );
  const values = [...html.matchAll(/<span class="card-value"[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.equal(values.filter((v) => v === "2").length, 1);
});

Deno.test("counts carry thousands separators", () => {
  const html = renderToString(
    <SummaryCards summary={summary({ event_count: 58_212, kind_counts: { gate: 1_904 } })} />,
  );
  assert.match(html, /data-testid="event-count">58,212</);
  assert.match(html, />1,904</);
});

Deno.test("a filtered view notes that the cards cover the whole session, with the match count", () => {
  const html = renderToString(
    <SummaryCards summary={summary({ event_count: 1_200 })} filtered matching={1_050} />,
  );
  assert.match(html, /cover the whole session/);
  assert.match(html, /1,050 of 1,200 events match the filters/);
  assert.doesNotMatch(renderToString(<SummaryCards summary={summary()} />), /cards-note/);
});

Deno.test("invalid lines are flagged only when there are some", () => {
  assert.match(
    renderToString(<SummaryCards summary={summary({ invalid_lines: 1 })} />),
    /card-warn/,
  );
  assert.doesNotMatch(renderToString(<SummaryCards summary={summary()} />), /card-warn/);
});
