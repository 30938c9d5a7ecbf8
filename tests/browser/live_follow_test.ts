import assert from "node:assert/strict";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { appendEvents, demoEvents, wireEvent } from "../routes/fixtures.ts";

Deno.test({
  name: "live follow in headless Chromium: a replaced log reloads the view and follows its new end",
  ignore: skipBrowserTests,
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "peak-live-follow-browser-" });
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const browser = await launchChromium();
    try {
      await appendEvents(dir, "rotated", demoEvents("rotated", 6));
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(new URL("/live/execution/rotated", server.url).href);
      await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 5_000 });
      assert.equal(await page.locator("tbody tr").count(), 6);
      await page.check('input[name="follow"]');
      await page.waitForSelector(".connection-connected", { timeout: 5_000 });

      // Replace the log by a shorter one, as a rotation would (rename over it: a new file).
      const fresh = [1, 2, 3].map((seq) => wireEvent("rotated", seq, "intent", `NEW-${seq}`));
      const staged = `${dir}/rotated.staged`;
      await Deno.writeTextFile(staged, fresh.map((e) => JSON.stringify(e) + "\n").join(""));
      await Deno.rename(staged, `${dir}/rotated.jsonl`);
      await page.waitForFunction(
        () => {
          const symbols = [...document.querySelectorAll("tbody td.symbol")].map((c) =>
            c.textContent
          );
          return symbols.join(" ") === "NEW-3 NEW-2 NEW-1";
        },
        undefined,
        { timeout: 5_000 },
      );
      assert.equal(await page.textContent('[data-testid="event-count"]'), "3");
      await page.waitForSelector(".connection-connected", { timeout: 5_000 });

      // Following goes on from the new file's end: a new event shows once, nothing replays.
      await appendEvents(dir, "rotated", [wireEvent("rotated", 4, "fill", "AFTER")]);
      await page.waitForFunction(
        () => document.querySelector("tbody td.symbol")?.textContent === "AFTER",
        undefined,
        { timeout: 5_000 },
      );
      assert.deepEqual(await page.locator("tbody td.symbol").allTextContents(), [
        "AFTER",
        "NEW-3",
        "NEW-2",
        "NEW-1",
      ]);
      await page.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
