/**
 * Micro-benchmarks of the dashboard's request path over a 10,000-event
 * session: the timeline API answer served from the file-version cache
 * against the same answer computed from the file (the baseline peer), and
 * the server-side render of the timeline page.
 *
 * Run: `deno bench --allow-all bench/dashboard_bench.ts`
 *
 * @module
 */
import { createApp } from "../server/app.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { benchTempDir } from "./temp_dir.ts";

const KINDS = ["intent", "gate", "order", "fill", "error"];
const dir = benchTempDir("peak-dashboard-bench-");
const sessionId = "bench";
let text = "";
for (let seq = 1; seq <= 10_000; seq++) {
  text += JSON.stringify({
    ts: formatWireTimestamp(Date.UTC(2026, 10, 25) * 1000 + seq * 1000),
    session_id: sessionId,
    symbol: seq % 2 === 0 ? "BTC-USD" : "ETH-USD",
    mode: "paper",
    kind: KINDS[seq % 5],
    payload: { side: "buy", quantity: 0.5, current_price: 100000, strategy_key: null, seq },
    seq,
  }) + "\n";
}
Deno.writeTextFileSync(`${dir}/${sessionId}.jsonl`, text);
const size = Deno.statSync(`${dir}/${sessionId}.jsonl`).size;
const app = createApp({ logDir: dir });

let cursor = 0;

Deno.bench({
  name: "timeline API answer, computed from the file (cache miss)",
  group: "api",
  baseline: true,
  async fn() {
    // A new cursor each time is a new cache key: the answer is read and built.
    cursor = (cursor + 1) % 1000;
    const res = await app.request(
      `/api/live/execution/${sessionId}?limit=200&before=${size - cursor}`,
    );
    await res.text();
  },
});

Deno.bench({
  name: "timeline API answer, file unchanged (cache hit)",
  group: "api",
  async fn() {
    const res = await app.request(`/api/live/execution/${sessionId}?limit=200`);
    await res.text();
  },
});

Deno.bench({
  name: "timeline page, server render with 200 rows",
  group: "page",
  async fn() {
    const res = await app.request(`/live/execution/${sessionId}?limit=200`);
    await res.text();
  },
});
