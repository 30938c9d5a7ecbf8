import assert from "node:assert/strict";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { runDemoScenario } from "../../cli/dry_run.ts";
import { memoryIo } from "../../cli/io.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { appendEvents, demoEvents, wireEvent } from "../routes/fixtures.ts";

const HOSTILE_SYMBOL = "<img src=x onerror=alert(1)>";
const HOSTILE_PAYLOAD = "</script><script>alert(2)</script>";
/**
 * The README's screenshot is rewritten only on request (`deno task screenshot`), so that a test run
 * never changes a tracked file; otherwise the same shot goes to a temporary file and is checked.
 */
const README_SCREENSHOT = new URL("../../docs/images/timeline.png", import.meta.url);
const UPDATE_README_SCREENSHOT = Deno.env.get("PEAK_UPDATE_SCREENSHOT") === "1";
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

Deno.test({
  name:
    "dashboard in headless Chromium: hydrates, filters, follows live, renders hostile data as text",
  ignore: skipBrowserTests,
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "peak-dashboard-browser-" });
    let server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const browser = await launchChromium();
    try {
      await appendEvents(dir, "demo-session", demoEvents("demo-session", 40));
      await appendEvents(dir, "hostile", [
        wireEvent("hostile", 1, "intent", HOSTILE_SYMBOL),
        wireEvent("hostile", 2, "error", HOSTILE_SYMBOL, {
          error: HOSTILE_PAYLOAD,
          code: "ADAPTER_FAILED",
          stacktrace: HOSTILE_PAYLOAD,
        }),
      ]);

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const consoleErrors: string[] = [];
      const dialogs: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") consoleErrors.push(msg.text());
      });
      page.on("pageerror", (err) => consoleErrors.push(String(err)));
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.addInitScript(() => {
        const w = globalThis as unknown as { __violations: string[] };
        w.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
          w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });

      await t.step('"older events" pages by cursor without a page load', async () => {
        await page.goto(new URL("/live/execution/demo-session?limit=15", server.url).href);
        await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
        assert.equal(await page.locator("tbody tr").count(), 15);
        await page.click("a.older");
        await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 30);
        await page.click("a.older");
        await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 40);
        assert.equal(await page.locator("a.older").count(), 0, "no older link on the last page");
        const offsets = await page.locator("tbody tr").evaluateAll((rows) =>
          rows.map((r) => Number(r.getAttribute("data-offset")))
        );
        assert.deepEqual(offsets, [...offsets].sort((a, b) => b - a), "newest first, no repeats");
        assert.equal(new Set(offsets).size, 40);
      });

      await t.step("the timeline page loads and the island hydrates", async () => {
        await page.goto(new URL("/live/execution/demo-session", server.url).href);
        await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
        assert.equal(await page.locator("tbody tr").count(), 40);
      });

      await t.step("choosing a kind filters the rows without a page load", async () => {
        await page.check('input[name="kind"][value="fill"]');
        await page.waitForFunction(
          () => {
            const rows = [...document.querySelectorAll("tbody tr")];
            return rows.length > 0 && rows.every((r) => r.getAttribute("data-kind") === "fill");
          },
          undefined,
          { timeout: 5_000 },
        );
        assert.equal(await page.locator("tbody tr").count(), 8);
        assert.match(page.url(), /kind=fill/);
        await page.uncheck('input[name="kind"][value="fill"]');
        await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 40);
      });

      await t.step("the symbol filter applies on Enter without a page load", async () => {
        await page.fill('input[name="symbol"]', "ETH-USD");
        await page.press('input[name="symbol"]', "Enter");
        await page.waitForFunction(
          () => {
            const cells = [...document.querySelectorAll("tbody td.symbol")];
            return cells.length === 20 && cells.every((c) => c.textContent === "ETH-USD");
          },
          undefined,
          { timeout: 5_000 },
        );
        await page.fill('input[name="symbol"]', "");
        await page.press('input[name="symbol"]', "Enter");
        await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 40);
      });

      await t.step("the time toggle switches between UTC and local time", async () => {
        await page.click(".tz-toggle");
        assert.equal(await page.textContent(".tz-toggle"), "Times: local");
        await page.click(".tz-toggle");
      });

      await t.step("live follow shows an event appended after load within 2 s", async () => {
        await page.check('input[name="follow"]');
        await page.waitForSelector(".connection-connected", { timeout: 5_000 });
        const appendedAt = performance.now();
        await appendEvents(dir, "demo-session", [
          wireEvent("demo-session", 41, "fill", "LIVE-USD"),
        ]);
        await page.waitForFunction(
          () => document.querySelector("tbody tr td.symbol")?.textContent === "LIVE-USD",
          undefined,
          { timeout: 2_000 },
        );
        const latencyMs = performance.now() - appendedAt;
        assert.ok(latencyMs < 2_000, `live event shown after ${latencyMs.toFixed(0)} ms`);
        assert.equal(await page.locator("tbody tr").count(), 41);
        // The summary cards catch up with the followed event.
        await page.waitForFunction(
          () => document.querySelector('[data-testid="event-count"]')?.textContent === "41",
          undefined,
          { timeout: 5_000 },
        );
      });

      await t.step(
        "an event written while a filter change loads, matching only the new filter, is shown",
        async () => {
          await appendEvents(dir, "race", demoEvents("race", 10));
          await page.goto(new URL("/live/execution/race?kind=intent", server.url).href);
          await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
          await page.check('input[name="follow"]');
          await page.waitForSelector(".connection-connected", { timeout: 5_000 });
          // Hold the new page's answer (read by the server before the append) until the old
          // filter's stream has gone past the appended fill.
          const { promise: answered, resolve: onAnswered } = Promise.withResolvers<void>();
          const { promise: released, resolve: release } = Promise.withResolvers<void>();
          const isTimelineApi = (url: URL) => url.pathname === "/api/live/execution/race";
          await page.route(isTimelineApi, async (route) => {
            const response = await route.fetch();
            onAnswered();
            await released;
            await route.fulfill({ response });
          });
          await page.check('input[name="kind"][value="fill"]');
          await answered;
          await appendEvents(dir, "race", [
            wireEvent("race", 11, "fill", "RACE-FILL"),
            wireEvent("race", 12, "intent", "RACE-INTENT"),
          ]);
          // The intent matches the old filter: once it shows, the stream has delivered the fill.
          await page.waitForFunction(
            () => document.querySelector("tbody td.symbol")?.textContent === "RACE-INTENT",
            undefined,
            { timeout: 2_000 },
          );
          release();
          await page.waitForFunction(
            () =>
              [...document.querySelectorAll("tbody td.symbol")].some((c) =>
                c.textContent === "RACE-FILL"
              ),
            undefined,
            { timeout: 2_000 },
          );
          await page.unroute(isTimelineApi);
          await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 6);
          const symbols = await page.locator("tbody td.symbol").allTextContents();
          // 2 intents and 2 fills from before, then the 2 appended, newest first, none twice.
          assert.deepEqual(symbols.slice(0, 2), ["RACE-INTENT", "RACE-FILL"]);
          await page.uncheck('input[name="follow"]');
        },
      );

      await t.step("the README screenshot shows a demo session followed live", async () => {
        const { sessionId } = await runDemoScenario({ logDir: dir, io: memoryIo(), quiet: true });
        await page.setViewportSize({ width: 1280, height: 1000 });
        await page.goto(new URL(`/live/execution/${sessionId}`, server.url).href);
        await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
        await page.check('input[name="follow"]');
        await page.waitForSelector(".connection-connected", { timeout: 5_000 });
        // Open the payload of the newest blocked gate decision, as a user checking a block would.
        await page.locator('tbody tr[data-kind="gate"]', { hasText: "BLOCK" }).first()
          .locator("details summary").click();
        const path = UPDATE_README_SCREENSHOT
          ? README_SCREENSHOT.pathname
          : `${dir}/timeline-screenshot.png`;
        await page.screenshot({ path, fullPage: false });
        const png = await Deno.readFile(path);
        assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, "the screenshot is a PNG");
        assert.ok(png.length > 20_000, `the screenshot shows the page (${png.length} bytes)`);
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await t.step("the page is readable on a phone width (no horizontal scrolling)", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        // The charts follow the new width when their ResizeObserver fires (a frame or more later
        // on a busy machine): wait for the layout to settle, then measure.
        const overflowOf = () =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth;
        await page.waitForFunction(`(${overflowOf})() <= 1`, null, { timeout: 10_000 })
          .catch(() => {});
        const overflow = await page.evaluate(overflowOf);
        assert.ok(overflow <= 1, `page overflows a phone width by ${overflow}px`);
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await t.step(
        "hostile symbols and payloads are shown as text and no dialog fires",
        async () => {
          await page.goto(new URL("/live/execution/hostile", server.url).href);
          await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
          const symbols = await page.locator("tbody td.symbol").allTextContents();
          assert.deepEqual(symbols, [HOSTILE_SYMBOL, HOSTILE_SYMBOL]);
          await page.click("tbody tr details summary");
          assert.match(
            await page.textContent("tbody tr pre.details") ?? "",
            /<\/script><script>alert\(2\)/,
          );
          assert.equal(await page.locator("tbody img").count(), 0);
          assert.equal(
            await page.locator("body script:not([src]):not([type='application/json'])").count(),
            0,
          );
          assert.deepEqual(dialogs, [], "no dialog fired");
        },
      );

      await t.step("no console errors and no CSP violations on any page", async () => {
        const violations = await page.evaluate(() =>
          (globalThis as unknown as { __violations: string[] }).__violations
        );
        assert.deepEqual(violations, [], "no CSP violations");
        assert.deepEqual(consoleErrors, [], "no console errors");
        await page.close();
      });

      await t.step(
        'a server restart shows "reconnecting", then resumes with no gap and no duplicate',
        async () => {
          const follower = await browser.newPage();
          await follower.goto(new URL("/live/execution/demo-session", server.url).href);
          await follower.waitForSelector('.timeline-island[data-hydrated="true"]', {
            timeout: 5_000,
          });
          await follower.check('input[name="follow"]');
          await follower.waitForSelector(".connection-connected", { timeout: 5_000 });
          await appendEvents(dir, "demo-session", [
            wireEvent("demo-session", 42, "intent", "BEFORE"),
          ]);
          await follower.waitForFunction(
            () => document.querySelector("tbody td.symbol")?.textContent === "BEFORE",
          );
          const port = server.port;
          await server.shutdown();
          await follower.waitForSelector(".connection-reconnecting", { timeout: 5_000 });
          await appendEvents(dir, "demo-session", [
            wireEvent("demo-session", 43, "gate", "DOWN-1"),
            wireEvent("demo-session", 44, "order", "DOWN-2"),
          ]);
          server = await startDashboardServer({ port, hostname: "127.0.0.1", logDir: dir });
          await follower.waitForSelector(".connection-connected", { timeout: 10_000 });
          await follower.waitForFunction(
            () => document.querySelector("tbody td.symbol")?.textContent === "DOWN-2",
            undefined,
            { timeout: 5_000 },
          );
          const newest = await follower.locator("tbody td.symbol").evaluateAll((cells) =>
            cells.slice(0, 4).map((c) => c.textContent)
          );
          assert.deepEqual(
            newest,
            ["DOWN-2", "DOWN-1", "BEFORE", "LIVE-USD"],
            "no gap, no duplicate",
          );
          await follower.close();
        },
      );
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
