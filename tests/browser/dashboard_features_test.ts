import assert from "node:assert/strict";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { appendEvents, parseCsv, wireEvent } from "../routes/fixtures.ts";
import { tradingDay } from "./session_fixture.ts";

/**
 * The README's pictures are rewritten only on request (`deno task screenshot`), so a test run
 * never changes a tracked file; otherwise the shots go to the temporary directory and are checked.
 */
const UPDATE_README_SCREENSHOT = Deno.env.get("PEAK_UPDATE_SCREENSHOT") === "1";
const IMAGES = new URL("../../docs/images/", import.meta.url);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function checkPng(path: string): Promise<void> {
  const png = await Deno.readFile(path);
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, "the screenshot is a PNG");
  assert.ok(png.length > 20_000, `the screenshot shows the page (${png.length} bytes)`);
}

Deno.test({
  name:
    "dashboard in Chromium: charts, gate filters, local time, exports, dark mode, sessions index",
  ignore: skipBrowserTests,
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "peak-dashboard-features-" });
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const browser = await launchChromium();
    const shot = (name: string) =>
      UPDATE_README_SCREENSHOT ? new URL(name, IMAGES).pathname : `${dir}/${name}`;
    try {
      const day = tradingDay("paper-2026-11-25", 1_500);
      await appendEvents(dir, "paper-2026-11-25", day);
      await appendEvents(dir, "paper-2026-11-24", tradingDay("paper-2026-11-24", 400, 5));
      await appendEvents(dir, "backtest-momentum", tradingDay("backtest-momentum", 200, 9));
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(msg.text());
      });
      page.on("pageerror", (err) => problems.push(String(err)));
      await page.addInitScript(() => {
        const w = globalThis as unknown as { __violations: string[] };
        w.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
          w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      const base = server.url;
      const session = "/live/execution/paper-2026-11-25";

      await t.step("the charts draw pixels and show the series API's numbers", async () => {
        await page.goto(new URL(session, base).href);
        await page.waitForSelector('.timeline-island[data-hydrated="true"]');
        await page.waitForSelector("#chart-events canvas");
        // uPlot draws on the next frame: wait until every chart has been drawn.
        await page.waitForFunction(() =>
          document.querySelectorAll("figure.chart canvas").length === 4
        );
        await page.evaluate(() =>
          new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
        );
        const painted = await page.evaluate(() => {
          const counts: Record<string, number> = {};
          for (const figure of document.querySelectorAll("figure.chart")) {
            const canvas = figure.querySelector("canvas")!;
            const ctx = canvas.getContext("2d")!;
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let inked = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked++;
            counts[figure.id] = inked;
          }
          return counts;
        });
        for (const id of ["chart-events", "chart-rejections", "chart-fills", "chart-latency"]) {
          assert.ok((painted[id] ?? 0) > 500, `${id} has ink: ${painted[id]} pixels`);
        }
        const series = await (await fetch(
          new URL("/api/live/execution/paper-2026-11-25/series", base),
        )).json();
        await page.click("#chart-events .chart-data summary");
        // The data table is built when the disclosure opens (its toggle event comes after the click).
        await page.waitForFunction(() =>
          document.querySelectorAll("#chart-events .chart-data tbody tr").length > 0
        );
        const table = await page.evaluate(() => {
          const figure = document.getElementById("chart-events")!;
          const headers = [...figure.querySelectorAll("thead th")].map((th) => th.textContent);
          const rows = [...figure.querySelectorAll("tbody tr")].map((tr) =>
            [...tr.querySelectorAll("td")].map((td) => Number(td.textContent!.replace(/,/g, "")))
          );
          return { headers, rows };
        });
        assert.equal(table.rows.length, series.t.length);
        for (const [column, kind] of table.headers.slice(1).entries()) {
          const shown = table.rows.map((r) => r[column]);
          assert.deepEqual(shown, series.kinds[kind!], `the ${kind} column equals the API's`);
        }
        await page.click("#chart-events .chart-data summary");
      });

      await t.step("the README picture of a timeline with charts", async () => {
        await page.evaluate(() => scrollTo(0, 0));
        await page.screenshot({ path: shot("timeline-charts.png") });
        await checkPng(shot("timeline-charts.png"));
      });

      await t.step(
        "dragging across a chart sets since/until in the URL and the table",
        async () => {
          const box = (await page.locator("#chart-events .u-over").boundingBox())!;
          await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
          await page.mouse.down();
          await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
          await page.mouse.up();
          await page.waitForFunction(() =>
            /since=/.test(location.search) && /until=/.test(location.search)
          );
          const url = new URL(page.url());
          const since = Date.parse(url.searchParams.get("since")!);
          const until = Date.parse(url.searchParams.get("until")!);
          assert.ok(since < until, `${since} < ${until}`);
          await page.waitForSelector(".reset-zoom");
          const shown = await page.locator("table.timeline tbody td.ts").allTextContents();
          for (const text of shown) {
            const t = Date.parse(text.replace(" UTC", "Z").replace(" ", "T"));
            assert.ok(t >= since - 1 && t <= until + 1, `${text} inside the zoomed range`);
          }
          await page.click(".reset-zoom");
          await page.waitForFunction(() => !/since=/.test(location.search));
        },
      );

      await t.step("clicking a bucket lists only that bucket's events", async () => {
        const box = (await page.locator("#chart-events .u-over").boundingBox())!;
        await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
        await page.waitForFunction(() => /since=/.test(location.search));
        const url = new URL(page.url());
        const span = Date.parse(url.searchParams.get("until")!) -
          Date.parse(url.searchParams.get("since")!);
        const bucketMs = Number(
          await page.evaluate(() =>
            document.querySelector(".charts-hint")?.textContent?.match(/buckets of (\d+) (\w+)/)
              ?.slice(1).join(" ")
              .replace(/ s$/, "000").replace(/ min$/, "0000").replace(/ ms$/, "")
          ),
        );
        assert.ok(span < 3_600_000, `one bucket, not the session: ${span} ms (${bucketMs})`);
        await page.click(".reset-zoom");
        await page.waitForFunction(() => !/since=/.test(location.search));
      });

      await t.step(
        "blocks only, by gate and by code: the rows, the URL and the count agree",
        async () => {
          await page.check('input[name="blocked"]');
          await page.waitForFunction(() => /blocked=1/.test(location.search));
          await page.waitForFunction(() =>
            [...document.querySelectorAll("table.timeline tbody tr")].every((r) =>
              r.getAttribute("data-kind") === "gate"
            )
          );
          const blocks = day.filter((e) =>
            e.kind === "gate" && !(e.payload as { passed: boolean }).passed
          );
          await page.waitForFunction(
            (n) =>
              document.querySelector('[data-testid="matching"]')?.textContent?.includes(
                `${n} in the session match`,
              ),
            blocks.length.toLocaleString("en-US"),
          );
          await page.fill('input[name="gate"]', "LotSize");
          await page.press('input[name="gate"]', "Enter");
          await page.waitForFunction(() => /gate=LotSize/.test(location.search));
          const lotSize = blocks.filter((e) =>
            (e.payload as { gate_name: string }).gate_name === "LotSize"
          );
          await page.waitForFunction(
            (n) => document.querySelectorAll("table.timeline tbody tr").length === n,
            Math.min(200, lotSize.length),
          );
          const reasons = await page.locator("table.timeline .block-reason").allTextContents();
          assert.ok(reasons.every((r) => r.startsWith("QTY_ROUNDS_TO_ZERO: LotSize refused")));
          await page.fill('input[name="code"]', "NOTIONAL_BELOW_MIN");
          await page.press('input[name="code"]', "Enter");
          await page.waitForSelector(".empty");
          assert.match(await page.textContent(".empty") ?? "", /match/);
          await page.goto(new URL(session, base).href);
        },
      );

      await t.step("a symbol part finds its symbols in any case", async () => {
        await page.waitForSelector('.timeline-island[data-hydrated="true"]');
        await page.fill('input[name="symbol"]', "eth");
        await page.selectOption('select[name="symbol_match"]', "substring");
        await page.check('input[name="symbol_ci"]');
        await page.press('input[name="symbol"]', "Enter");
        await page.waitForFunction(() => /symbol=eth/.test(location.search));
        await page.waitForFunction(() => {
          const cells = [...document.querySelectorAll("table.timeline tbody td.symbol")];
          return cells.length > 0 && cells.every((c) => /^ETH-/.test(c.textContent ?? ""));
        });
        const symbols = new Set(
          await page.locator("table.timeline tbody td.symbol").allTextContents(),
        );
        assert.deepEqual([...symbols].sort(), ["ETH-EUR", "ETH-USD"]);
      });

      await t.step("exports download the whole filtered view, and they parse", async () => {
        const [csvDownload] = await Promise.all([
          page.waitForEvent("download"),
          page.click("a.export-csv"),
        ]);
        const csv = parseCsv(await Deno.readTextFile((await csvDownload.path())!));
        const eth = day.filter((e) => /^ETH-/.test(e.symbol));
        assert.equal(csv.length - 1, eth.length, "every matching event, not one page");
        assert.deepEqual(csv[0], [
          "ts",
          "session_id",
          "seq",
          "kind",
          "symbol",
          "mode",
          "description",
          "details",
        ]);
        assert.deepEqual(csv.slice(1).map((r) => Number(r[2])), eth.map((e) => e.seq));
        const [jsonlDownload] = await Promise.all([
          page.waitForEvent("download"),
          page.click("a.export-jsonl"),
        ]);
        const lines = (await Deno.readTextFile((await jsonlDownload.path())!)).trimEnd()
          .split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines.map((r) => r.seq), eth.map((e) => e.seq));
        assert.match(csvDownload.suggestedFilename(), /^paper-2026-11-25_filtered\.csv$/);
      });

      await t.step(
        "in local time, since is read in the zone shown, and times keep microseconds",
        async () => {
          const local = await browser.newContext({
            viewport: { width: 1280, height: 900 },
            timezoneId: "America/New_York",
          });
          const ny = await local.newPage();
          await ny.goto(new URL(`${session}?tz=local`, base).href);
          await ny.waitForSelector('.timeline-island[data-hydrated="true"]');
          await ny.waitForFunction(() =>
            document.querySelector(".tz-toggle")?.textContent === "Times: local"
          );
          const first = await ny.locator("table.timeline tbody td.ts").first().textContent();
          assert.match(first ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6} -05:00$/);
          // 05:00 in New York is 10:00 UTC; the fixture's day starts at 09:30 UTC.
          await ny.fill('input[name="since"]', "2026-11-25 05:00:00");
          await ny.press('input[name="since"]', "Enter");
          await ny.waitForFunction(() =>
            /since=2026-11-25T10%3A00%3A00\.000000%2B00%3A00/.test(location.search)
          );
          assert.match(ny.url(), /tz=local/);
          const times = await ny.locator("table.timeline tbody td.ts").allTextContents();
          const cutoff = Date.UTC(2026, 10, 25, 10, 0, 0);
          assert.ok(times.length > 0);
          for (const text of times) {
            const m = /^(\S+) (\S+) ([+-]\d{2}:\d{2})$/.exec(text)!;
            assert.ok(
              Date.parse(`${m[1]}T${m[2]}${m[3]}`) >= cutoff,
              `${text} is after 05:00 local`,
            );
          }
          assert.equal(await ny.inputValue('input[name="since"]'), "2026-11-25 05:00:00");
          await ny.reload();
          await ny.waitForSelector('.timeline-island[data-hydrated="true"]');
          await ny.waitForFunction(() =>
            (document.querySelector('input[name="since"]') as HTMLInputElement).value ===
              "2026-11-25 05:00:00"
          );
          await local.close();
        },
      );

      await t.step(
        "keyboard: / focuses the filter, j/k move between rows, Enter opens a payload",
        async () => {
          await page.goto(new URL(session, base).href);
          await page.waitForSelector('.timeline-island[data-hydrated="true"]');
          await page.keyboard.press("/");
          assert.equal(
            await page.evaluate(() => document.activeElement?.getAttribute("name")),
            "symbol",
          );
          await page.evaluate(() => (document.activeElement as HTMLElement).blur());
          await page.keyboard.press("j");
          await page.keyboard.press("j");
          await page.keyboard.press("k");
          const focused = await page.evaluate(() =>
            [...document.querySelectorAll("table.timeline tbody tr")].indexOf(
              document.activeElement as HTMLTableRowElement,
            )
          );
          assert.equal(focused, 0);
          await page.keyboard.press("Enter");
          assert.equal(
            await page.evaluate(() =>
              (document.activeElement as HTMLElement).querySelector("details")?.open
            ),
            true,
          );
        },
      );

      await t.step("dark mode follows the system and the switch, and is remembered", async () => {
        const dark = await browser.newContext({
          viewport: { width: 1280, height: 1000 },
          colorScheme: "dark",
        });
        const darkPage = await dark.newPage();
        await darkPage.goto(new URL(session, base).href);
        await darkPage.waitForSelector('.timeline-island[data-hydrated="true"]');
        await darkPage.waitForSelector("#chart-events canvas");
        const background = () =>
          darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(await background(), "rgb(17, 22, 29)");
        await darkPage.screenshot({ path: shot("dark.png") });
        await checkPng(shot("dark.png"));
        await darkPage.click(".theme-toggle");
        assert.equal(await background(), "rgb(247, 250, 252)");
        await darkPage.reload();
        await darkPage.waitForSelector('.timeline-island[data-hydrated="true"]');
        assert.equal(await background(), "rgb(247, 250, 252)", "the choice is remembered");
        await dark.close();
      });

      await t.step(
        "the sessions index sorts, filters, and is the README's first picture",
        async () => {
          await page.goto(new URL("/", base).href);
          await page.waitForSelector('.sessions-island[data-hydrated="true"]');
          await page.screenshot({ path: shot("index.png") });
          await checkPng(shot("index.png"));
          await page.click('th a.sort:has-text("Events")');
          await page.waitForFunction(() => /sort=event_count/.test(location.search));
          const ids = () =>
            page.locator("table.sessions tbody tr").evaluateAll((rows) =>
              rows.map((r) => r.getAttribute("data-session"))
            );
          assert.deepEqual(await ids(), [
            "paper-2026-11-25",
            "paper-2026-11-24",
            "backtest-momentum",
          ]);
          await page.fill('input[name="q"]', "BACKTEST");
          await page.waitForFunction(() =>
            document.querySelectorAll("table.sessions tbody tr").length === 1
          );
          assert.deepEqual(await ids(), ["backtest-momentum"]);
          // It refreshes itself: a new session appears without a reload.
          await page.fill('input[name="q"]', "");
          await appendEvents(dir, "fresh-one", [wireEvent("fresh-one", 1, "intent")]);
          await page.waitForSelector('tr[data-session="fresh-one"]', { timeout: 15_000 });
        },
      );

      await t.step("no console errors and no CSP violations", async () => {
        const violations = await page.evaluate(() =>
          (globalThis as unknown as { __violations: string[] }).__violations
        );
        assert.deepEqual(violations, []);
        assert.deepEqual(problems, []);
      });
      await context.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "login in Chromium: a guessing browser is told to wait (429 with Retry-After)",
  ignore: skipBrowserTests,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "peak-dashboard-login-" });
    const token = "a-long-enough-dashboard-token";
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      token,
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      // Wrong tokens until the address is told to wait: the first five failures are free, the
      // next one locks it out (the lockout doubles while the guessing goes on).
      const statuses: number[] = [];
      let retryAfter = 0;
      for (let i = 0; i < 12 && retryAfter === 0; i++) {
        await page.goto(new URL("/", server.url).href);
        await page.fill('input[name="token"]', `guess-${i}`);
        const [response] = await Promise.all([
          page.waitForResponse((r) =>
            r.url().endsWith("/login") && r.request().method() === "POST"
          ),
          page.click('button[type="submit"]'),
        ]);
        statuses.push(response.status());
        if (response.status() === 429) retryAfter = Number(response.headers()["retry-after"]);
      }
      assert.ok(retryAfter >= 1, `told to wait: ${statuses.join(" ")}`);
      assert.ok(statuses.slice(0, 5).every((s) => s === 401), statuses.join(" "));
      // The right token still works from another address; from this one it waits its turn.
      await page.goto(new URL("/", server.url).href);
      assert.match(await page.content(), /protected by a token/);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
