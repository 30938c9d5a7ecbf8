import assert from "node:assert/strict";
import { SessionLogChangedError } from "../../live/log_changed_error.ts";
import { createApp } from "../../server/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "../routes/fixtures.ts";

type FileAccess = (path: string | URL, ...rest: unknown[]) => unknown;
const FILE_ACCESS = [
  "open",
  "stat",
  "lstat",
  "readFile",
  "readTextFile",
  "readDir",
  "openSync",
  "statSync",
  "lstatSync",
  "readFileSync",
  "readTextFileSync",
  "readDirSync",
] as const;

/** Run `body` while recording every path it opens, stats or lists through `Deno.*`. */
async function recordFileAccess(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const deno = Deno as unknown as Record<string, FileAccess>;
  const originals = FILE_ACCESS.map((name) => [name, deno[name]] as const);
  for (const [name, original] of originals) {
    deno[name] = (path, ...rest) => {
      seen.push(String(path));
      return original(path, ...rest);
    };
  }
  try {
    await body();
  } finally {
    for (const [name, original] of originals) deno[name] = original;
  }
  return seen;
}

/** Send `target` as the raw request target (no client-side URL normalisation). */
async function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    ),
  );
  const text = await new Response(conn.readable).text();
  const status = Number(text.slice(9, 12));
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

const REFUSED_IDS: Record<string, string> = {
  "dot-dot": "..",
  "encoded dot-dot": "%2e%2e",
  "encoded slash": "..%2F..%2Fsecret",
  "lower-case encoded slash": "a%2fb",
  "encoded backslash": "..%5Csecret",
  "NUL": "a%00b",
  "over-long": "a".repeat(129),
  "leading dot": ".hidden",
  "space": "a%20b",
  "unicode": "s%C3%A9ance",
};

Deno.test("every invalid session id is refused with 400 JSON on every session route", async () => {
  await withLogDir(async (dir) => {
    await Deno.mkdir(`${dir}/logs`);
    // A file outside the log root that a traversal would reach.
    await appendEvents(dir, "secret", demoEvents("secret", 2));
    const app = createApp({ logDir: `${dir}/logs` });
    const touched = await recordFileAccess(async () => {
      for (const [label, id] of Object.entries(REFUSED_IDS)) {
        for (const suffix of ["", "/summary", "/stream"]) {
          const path = `/api/live/execution/${id}${suffix}`;
          const res = await app.request(path);
          // `new Request()` removes `..` and `%2e%2e` segments; what remains is no session route.
          // (A real server gets the raw target and answers 400: see the test below.)
          const expected = (id === ".." || id === "%2e%2e") && suffix !== "" ? 404 : 400;
          assert.equal(res.status, expected, `${label}: ${path}`);
          const body = await res.json();
          assert.equal(typeof body.detail, "string");
          if (expected === 400) assert.equal(body.error, "invalid_session_id", path);
        }
        const page = await app.request(`/live/execution/${id}`);
        assert.equal(page.status, 400, `page, ${label}`);
        assert.equal((await page.json()).error, "invalid_session_id");
      }
    });
    assert.deepEqual(touched, [], "no file was opened, listed or stat-ed");
  });
});

Deno.test("over real HTTP, dot-dot ids in the raw request target answer 400 and open no file", async () => {
  await withLogDir(async (dir) => {
    await Deno.mkdir(`${dir}/logs`);
    await appendEvents(dir, "secret", demoEvents("secret", 2));
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createApp({ logDir: `${dir}/logs` }).fetch,
    );
    try {
      const ids = ["..", "%2e%2e", "%2E%2e", ".%2e", "..%2fsecret", "..%2F..%2Fsecret"];
      const answers: string[] = [];
      const touched = await recordFileAccess(async () => {
        for (const id of ids) {
          for (const suffix of ["", "/summary", "/stream"]) {
            for (const prefix of ["/api/live/execution/", "/live/execution/"]) {
              if (prefix === "/live/execution/" && suffix !== "") continue;
              const { status, body } = await rawGet(server.addr.port, `${prefix}${id}${suffix}`);
              answers.push(`${prefix}${id}${suffix} ${status} ${JSON.parse(body).error}`);
            }
          }
        }
      });
      for (const answer of answers) assert.match(answer, / 400 invalid_session_id$/);
      assert.deepEqual(touched, [], "no file was opened, listed or stat-ed");
      // The recorder does see the server's file access for a valid id.
      const control = await recordFileAccess(async () => {
        assert.equal(
          (await rawGet(server.addr.port, "/api/live/execution/ok/summary")).status,
          200,
        );
      });
      assert.ok(control.some((path) => path.endsWith("ok.jsonl")), control.join(", "));
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("the invalid-id message says what a valid id looks like", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/api/live/execution/a%5Cb");
    const body = await res.json();
    assert.match(body.detail, /A-Z a-z 0-9/);
  });
});

Deno.test("unknown routes answer 404 JSON", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (
      const path of ["/nope", "/api/live/unknown", "/static/../deno.json", "/static/secret.txt"]
    ) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = await res.json();
      assert.equal(body.error, "not_found");
      assert.equal(typeof body.detail, "string");
    }
  });
});

Deno.test("a session log that kept shrinking under every read answers 503 with Retry-After", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    // The live module throws this after its bounded retries; any route may see it.
    app.get("/shrinking", () => {
      throw new SessionLogChangedError("s1", 3);
    });
    const res = await app.request("/shrinking");
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    const body = await res.json();
    assert.equal(body.error, "session_log_changed");
    assert.match(body.detail, /shrank while it was read/);
  });
});

Deno.test("a session file that is a symbolic link out of the log root serves none of its data", async () => {
  await withLogDir(async (dir) => {
    const outside = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${outside}/secret.jsonl`,
        JSON.stringify(wireEvent("leak", 1, "fill", "BTC-USD", { secret: "OUTSIDE_ROOT_DATA" })) +
          "\n",
      );
      await Deno.symlink(`${outside}/secret.jsonl`, `${dir}/leak.jsonl`);
      const app = createApp({ logDir: dir });
      for (
        const path of [
          "/api/live/execution/leak",
          "/api/live/execution/leak/summary",
          "/live/execution/leak",
        ]
      ) {
        const res = await app.request(path);
        const body = await res.text();
        assert.equal(res.status, 200, path);
        assert.ok(!body.includes("OUTSIDE_ROOT_DATA"), path);
        assert.match(body, /"found":false|found&quot;:false|not found|No events|no session/i, path);
      }
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});

Deno.test("a browser opening a page with an invalid session id gets an HTML error page with a way back", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/live/execution/-x", { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const html = await res.text();
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>Bad request<\/title>/);
    assert.match(html, /<a class="back" href="\/">← Sessions<\/a>/);
    assert.match(html, /role="alert"/);
    assert.match(html, /invalid session id &quot;-x&quot;: use 1-128 characters/);
    assert.match(html, /<code>invalid_session_id<\/code>/);
    assert.deepEqual(
      html.match(/<script\b[^>]*>/g)?.map((tag) => tag.replace(/\?v=[^"]+/, "")),
      ['<script src="/static/theme.js">'],
      "no script on an error page but the external theme switch",
    );
  });
});

Deno.test("a browser on an unknown page gets an HTML 404 that escapes the path", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/nope%3Cb%3E", { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Page not found<\/title>/);
    assert.match(html, /no route for GET \/nope/);
    assert.doesNotMatch(html, /<b>/);
  });
});

Deno.test("API paths and non-browser clients keep the JSON {error, detail} answers", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (
      const [path, accept, status] of [
        ["/api/live/execution/-x", BROWSER_ACCEPT, 400],
        ["/api/nope", BROWSER_ACCEPT, 404],
        ["/live/execution/-x", "application/json", 400],
        ["/live/execution/-x", "*/*", 400],
        ["/nope", "", 404],
      ] as const
    ) {
      const res = await app.request(path, { headers: accept === "" ? {} : { accept } });
      assert.equal(res.status, status, path);
      assert.match(
        res.headers.get("content-type") ?? "",
        /^application\/json/,
        `${path} ${accept}`,
      );
      const body = await res.json();
      assert.equal(typeof body.error, "string");
      assert.equal(typeof body.detail, "string");
    }
  });
});

Deno.test("the island bundle, stylesheets and theme script are served with their content types", async () => {
  await withLogDir(async (dir) => {
    const { ensureIslandBundle } = await import("../../server/assets.ts");
    await ensureIslandBundle();
    const app = createApp({ logDir: dir });
    const js = await app.request("/static/islands.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /text\/javascript/);
    assert.match(await js.text(), /__islands/);
    const css = await (await app.request("/static/styles.css")).text();
    assert.match(css, /\.kind-fill \{ background: var\(--fill-bg\); color: var\(--fill-fg\); \}/);
    assert.match(css, /--fill-bg: #fed7d7; --fill-fg: #742a2a;/);
    const uplot = await app.request("/static/uplot.css");
    assert.match(uplot.headers.get("content-type") ?? "", /^text\/css/);
    assert.match(await uplot.text(), /\.uplot/);
    const theme = await app.request("/static/theme.js");
    assert.match(theme.headers.get("content-type") ?? "", /text\/javascript/);
    assert.match(await theme.text(), /peak-theme/);
  });
});
