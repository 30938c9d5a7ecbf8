import assert from "node:assert/strict";
import { SessionLogChangedError } from "../../live/log_changed_error.ts";
import { createApp } from "../../web/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "./fixtures.ts";

interface TimelineBody {
  session_id: string;
  timeline: { ts: string; kind: string; symbol: string; description: string; offset: number }[];
  summary: { found: boolean; event_count: number; kind_counts: Record<string, number> };
  filters: { kind: string | null; kinds: string[]; symbol: string | null; limit: number };
  count: number;
  next_before: number | null;
  follow_from: number;
}

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

Deno.test("timeline API answers the original's shape, newest first, with a cursor", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 12));
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1?limit=5");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json() as TimelineBody;
    assert.deepEqual(Object.keys(body).sort(), [
      "count",
      "filters",
      "follow_from",
      "next_before",
      "session_id",
      "summary",
      "timeline",
    ]);
    assert.equal(body.session_id, "s1");
    assert.equal(body.count, 5);
    assert.equal(body.timeline.length, 5);
    assert.equal(body.filters.limit, 5);
    assert.equal(body.filters.kind, null);
    assert.equal(body.summary.found, true);
    assert.equal(body.summary.event_count, 12);
    const offsets = body.timeline.map((r) => r.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => b - a), "newest first");
    assert.equal(typeof body.next_before, "number");
  });
});

Deno.test("timeline API follow_from is the end of the last complete line, before a torn tail", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const size = await appendEvents(dir, "s1", demoEvents("s1", 4));
    const whole = await (await app.request("/api/live/execution/s1?kind=fill")).json();
    assert.equal(whole.follow_from, size);
    // A line being written: live follow must start before it, or the line would be skipped.
    await Deno.writeTextFile(`${dir}/s1.jsonl`, '{"ts": "2026-11-25T09:31:00', { append: true });
    const torn = await (await app.request("/api/live/execution/s1?kind=fill")).json();
    assert.equal(torn.follow_from, size);
    const missing = await (await app.request("/api/live/execution/nope")).json();
    assert.equal(missing.follow_from, 0);
  });
});

Deno.test("timeline API pages to older rows by cursor without overlap or gap", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 9));
    const app = createApp({ logDir: dir });
    const first = await (await app.request("/api/live/execution/s1?limit=4"))
      .json() as TimelineBody;
    const second = await (await app.request(
      `/api/live/execution/s1?limit=4&before=${first.next_before}`,
    )).json() as TimelineBody;
    const third = await (await app.request(
      `/api/live/execution/s1?limit=4&before=${second.next_before}`,
    )).json() as TimelineBody;
    const all = [...first.timeline, ...second.timeline, ...third.timeline].map((r) => r.offset);
    assert.equal(all.length, 9);
    assert.equal(new Set(all).size, 9);
    assert.equal(third.next_before, null);
  });
});

Deno.test("timeline API filters by repeated kind and by symbol before the limit", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 50));
    const app = createApp({ logDir: dir });
    const kinds = await (await app.request(
      "/api/live/execution/s1?kind=fill&kind=gate&limit=1000",
    )).json() as TimelineBody;
    assert.equal(kinds.count, 20);
    assert.ok(kinds.timeline.every((r) => r.kind === "fill" || r.kind === "gate"));
    assert.deepEqual(kinds.filters.kinds, ["fill", "gate"]);
    assert.equal(kinds.filters.kind, "fill,gate");

    const single = await (await app.request("/api/live/execution/s1?kind=error&limit=3"))
      .json() as TimelineBody;
    assert.equal(single.count, 3, "filter applies before the limit");
    assert.equal(single.filters.kind, "error");

    const symbol = await (await app.request("/api/live/execution/s1?symbol=ETH-USD&limit=1000"))
      .json() as TimelineBody;
    assert.equal(symbol.count, 25);
    assert.ok(symbol.timeline.every((r) => r.symbol === "ETH-USD"));
  });
});

Deno.test("timeline API filters by since and until and refuses an unreadable bound", async () => {
  await withLogDir(async (dir) => {
    const events = demoEvents("s1", 10);
    await appendEvents(dir, "s1", events);
    const app = createApp({ logDir: dir });
    const since = encodeURIComponent(events[3].ts);
    const until = encodeURIComponent(events[6].ts);
    const body = await (await app.request(`/api/live/execution/s1?since=${since}&until=${until}`))
      .json() as TimelineBody;
    assert.equal(body.count, 4);
    const bad = await app.request("/api/live/execution/s1?since=yesterday");
    assert.equal(bad.status, 400);
    const err = await bad.json();
    assert.equal(typeof err.error, "string");
    assert.match(err.detail, /since/);
  });
});

Deno.test("timeline API refuses a limit outside 1-1000 with 400 JSON", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const app = createApp({ logDir: dir });
    for (const limit of ["0", "1001", "-1", "abc", "1.5", "1e3"]) {
      const res = await app.request(`/api/live/execution/s1?limit=${limit}`);
      assert.equal(res.status, 400, `limit=${limit}`);
      const body = await res.json();
      assert.equal(body.error, "invalid_limit");
      assert.match(body.detail, /1 to 1000/);
    }
    for (const limit of ["1", "1000"]) {
      assert.equal((await app.request(`/api/live/execution/s1?limit=${limit}`)).status, 200);
    }
  });
});

Deno.test("timeline API refuses a malformed cursor and kind with 400", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const cursor = await app.request("/api/live/execution/s1?before=-5");
    assert.equal(cursor.status, 400);
    assert.match((await cursor.json()).detail, /before/);
    const kind = await app.request("/api/live/execution/s1?kind=%3Cscript%3E");
    assert.equal(kind.status, 400);
    assert.equal((await kind.json()).error, "invalid_kind");
  });
});

Deno.test("a session with no file answers 200 with found false and no rows", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/api/live/execution/nothing-here");
    assert.equal(res.status, 200);
    const body = await res.json() as TimelineBody;
    assert.deepEqual(body.timeline, []);
    assert.equal(body.count, 0);
    assert.equal(body.summary.found, false);
    const summary = await app.request("/api/live/execution/nothing-here/summary");
    assert.equal(summary.status, 200);
    assert.equal((await summary.json()).found, false);
  });
});

Deno.test("summary API covers the whole session", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10));
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1/summary");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.session_id, "s1");
    assert.equal(body.found, true);
    assert.equal(body.event_count, 10);
    assert.deepEqual(body.kind_counts, { error: 2, fill: 2, gate: 2, intent: 2, order: 2 });
    assert.deepEqual(body.symbols, ["BTC-USD", "ETH-USD"]);
  });
});

Deno.test("sessions API lists every session, newest first", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "older", [wireEvent("older", 1, "intent")]);
    await Deno.utime(`${dir}/older.jsonl`, new Date(2026, 0, 1), new Date(2026, 0, 1));
    await appendEvents(dir, "newer", demoEvents("newer", 3));
    const res = await createApp({ logDir: dir }).request("/api/live/sessions");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.count, 2);
    assert.deepEqual(body.sessions.map((s: { session_id: string }) => s.session_id), [
      "newer",
      "older",
    ]);
  });
});

Deno.test("sessions API answers an empty list when the log root does not exist", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: `${dir}/missing` }).request("/api/live/sessions");
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).sessions, []);
  });
});

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

Deno.test("healthz reports ok, the log root and open streams", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/healthz");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.log_dir_exists, true);
    assert.equal(typeof body.open_streams, "number");
  });
});

Deno.test("timeline API answers reflect an append immediately, cached or not", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const app = createApp({ logDir: dir });
    const url = "/api/live/execution/s1?limit=1000";
    const first = await (await app.request(url)).json() as TimelineBody;
    const again = await (await app.request(url)).json() as TimelineBody;
    assert.deepEqual(again, first);
    await appendEvents(dir, "s1", [wireEvent("s1", 6, "fill")]);
    const after = await (await app.request(url)).json() as TimelineBody;
    assert.equal(after.count, 6);
    assert.equal(after.summary.event_count, 6);
    assert.equal(after.timeline[0].kind, "fill");
  });
});

Deno.test("concurrent identical timeline requests all get the same full answer", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 30));
    const app = createApp({ logDir: dir });
    const bodies = await Promise.all(
      Array.from(
        { length: 8 },
        async () => await (await app.request("/api/live/execution/s1?limit=7")).text(),
      ),
    );
    assert.equal(new Set(bodies).size, 1);
    assert.equal((JSON.parse(bodies[0]) as TimelineBody).count, 7);
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
