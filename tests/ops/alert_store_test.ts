// The alert state files: corrupt lines are skipped and counted in every file, links are
// refused, writes are atomic, and the lock serialises changes.
import assert from "node:assert/strict";
import { AlertStore } from "../../ops/alert_store.ts";
import { parseJsonl, rewriteJsonl, StateFileError } from "../../ops/jsonl_file.ts";
import { acknowledge, snooze } from "../../ops/operator_actions.ts";
import { NOW, withRoot } from "./helpers.ts";

const INSTANCE = {
  dedupe_key: "execution_errors",
  rule_id: "execution_errors",
  severity: "critical",
  labels: {},
  state: "firing",
  active_since: null,
  fired_at: null,
  resolved_at: null,
  last_evaluated_at: "2026-11-25T12:00:00.000000+00:00",
  last_value: 1,
  threshold: 1,
  title: "t",
  body: "b",
  activation: 1,
  notified: {},
  last_firing_notice_at: null,
  suppressed: null,
};

Deno.test("JSON lines: blank lines are not corrupt; garbage, non-objects and a torn end are", () => {
  assert.deepEqual(parseJsonl('{"a":1}\n\n  \nnope\n[1]\n"s"\n{"b":2}\n{"torn":'), {
    records: [{ a: 1 }, { b: 2 }],
    corrupt: 4,
    missing: false,
  });
});

Deno.test("corrupt lines in each state file are skipped and counted, the rest loads", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await Deno.mkdir(store.dir);
    const good = JSON.stringify(INSTANCE);
    await Deno.writeTextFile(`${store.dir}/state.jsonl`, `${good}\n{broken\n{"dedupe_key":1}\n`);
    await Deno.writeTextFile(
      `${store.dir}/operator.jsonl`,
      '{"type":"ack","dedupe_key":"x","created_at":"2026-11-25T12:00:00+00:00","expires_at":null}\n' +
        '{"type":"snooze","rule_id":"no_such_rule","created_at":"x","expires_at":"y"}\n\u0000\n',
    );
    await Deno.writeTextFile(`${store.dir}/outbox.jsonl`, "][\n");
    await Deno.writeTextFile(
      `${store.dir}/history.jsonl`,
      '{"type":"delivery","recorded_at":"2026-11-25T12:00:00+00:00","alert_id":"a","sink":"console","status":"sent","attempt":1,"error":null}\nnot json\n',
    );
    const instances = await store.readInstances();
    assert.deepEqual([instances.items.length, instances.corrupt], [1, 2]);
    const operator = await store.readOperator();
    assert.deepEqual([operator.items.length, operator.corrupt], [1, 2]);
    assert.deepEqual((await store.readOutbox()).corrupt, 1);
    const history = await store.readHistory();
    assert.deepEqual([history.items.length, history.corrupt], [1, 1]);
  });
});

Deno.test("a state directory that is a link is refused, not followed", async () => {
  await withRoot(async (root) => {
    const elsewhere = await Deno.makeTempDir();
    try {
      await Deno.symlink(elsewhere, `${root}/.alerts`);
      const store = new AlertStore(root);
      await assert.rejects(() => store.readInstances(), StateFileError);
      await assert.rejects(() => store.withLock(() => Promise.resolve()), StateFileError);
      assert.deepEqual(
        [...Deno.readDirSync(elsewhere)],
        [],
        "nothing was written through the link",
      );
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  });
});

Deno.test("a state file that is a link is refused", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await Deno.mkdir(store.dir);
    await Deno.writeTextFile(`${root}/target`, "");
    await Deno.symlink(`${root}/target`, `${store.dir}/state.jsonl`);
    await assert.rejects(() => store.readInstances(), StateFileError);
    await assert.rejects(() => store.writeInstances([]), StateFileError);
  });
});

Deno.test("an atomic rewrite replaces the file whole and leaves no temporary file", async () => {
  await withRoot(async (root) => {
    const path = `${root}/state.jsonl`;
    await Deno.writeTextFile(path, "old\n");
    await rewriteJsonl(path, [{ a: 1 }, { b: 2 }]);
    assert.equal(await Deno.readTextFile(path), '{"a":1}\n{"b":2}\n');
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["state.jsonl"]);
  });
});

Deno.test("concurrent changes under the lock are all kept", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await Promise.all([
      acknowledge(store, "rejection_rate_high", null, NOW),
      snooze(store, "session_stale", 3_600_000, NOW),
      snooze(store, "telemetry_dropped", 3_600_000, NOW),
      acknowledge(store, "execution_errors", 60_000, NOW),
    ]);
    const { items } = await store.readOperator();
    assert.equal(items.length, 4);
  });
});
