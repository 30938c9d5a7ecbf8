import assert from "node:assert/strict";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { appendEvents, demoEvents, wireEvent } from "../routes/fixtures.ts";

Deno.test({
  name: "dashboard layout: kind badges stay whole, long symbols wrap, until bounds live follow",
  ignore: skipBrowserTests,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "peak-dashboard-layout-" });
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

      await t.step(
        "a 300-character symbol does not squeeze the kind badge or the description",
        async () => {
          await appendEvents(dir, "wide", [
            wireEvent("wide", 1, "intent", "Y".repeat(300)),
            wireEvent("wide", 2, "gate", "BTC-USD"),
          ]);
          await page.goto(new URL("/live/execution/wide", server.url).href);
          await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
          const layout = await page.evaluate(() => {
            const badge = document.querySelector("tbody tr .badge") as HTMLElement;
            const symbol = document.querySelector("tbody td.symbol") as HTMLElement;
            const description = document.querySelector("tbody td.description") as HTMLElement;
            const lineHeight = parseFloat(getComputedStyle(badge).lineHeight) ||
              parseFloat(getComputedStyle(badge).fontSize) * 1.5;
            return {
              badgeHeight: badge.getBoundingClientRect().height,
              lineHeight,
              symbolWidth: symbol.getBoundingClientRect().width,
              descriptionWidth: description.getBoundingClientRect().width,
            };
          });
          assert.ok(
            layout.badgeHeight < layout.lineHeight * 1.9,
            `the kind badge is one line (${layout.badgeHeight}px, line ${layout.lineHeight}px)`,
          );
          assert.ok(layout.symbolWidth < 320, `symbol column bounded: ${layout.symbolWidth}px`);
          assert.ok(
            layout.descriptionWidth > 300,
            `description keeps room: ${layout.descriptionWidth}px`,
          );
        },
      );

      await t.step("with until in the past, live-followed events are not added", async () => {
        await appendEvents(dir, "bounded", demoEvents("bounded", 5));
        const until = "2026-11-25T09:30:03Z"; // fixture events are at 09:30:01 + (seq - 1) s
        await page.goto(new URL(`/live/execution/bounded?until=${until}`, server.url).href);
        await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
        assert.equal(await page.locator("tbody tr").count(), 3);
        assert.equal(await page.inputValue('input[name="until"]'), until);
        await page.check('input[name="follow"]');
        await page.waitForSelector(".connection-connected", { timeout: 5_000 });
        await appendEvents(dir, "bounded", [wireEvent("bounded", 6, "fill", "LATE-USD")]);
        // The cards refresh once the event arrived; the table stays bounded by `until`.
        await page.waitForFunction(
          () => document.querySelector('[data-testid="event-count"]')?.textContent === "6",
          undefined,
          { timeout: 5_000 },
        );
        assert.equal(await page.locator("tbody tr").count(), 3);
        assert.equal(await page.locator("tbody td.symbol", { hasText: "LATE-USD" }).count(), 0);
      });
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
