import assert from "node:assert/strict";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import { InvalidSessionIdError } from "../../../execution/session_id.ts";
import { fillEvent, listTree, readLines } from "./fixtures.ts";
import { REFUSED_SESSION_IDS } from "../../refused_session_ids.ts";

Deno.test("invalid session ids are refused and counted, nothing is created anywhere", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const root = `${parent}/root`;
    const logger = new JsonlExecutionLogger({ baseDir: root, onError: () => {} });
    for (const id of REFUSED_SESSION_IDS) logger.emit({ ...fillEvent("s1", 0), session_id: id });
    await logger.close();
    assert.equal(logger.stats.refused, REFUSED_SESSION_IDS.length);
    assert.equal(logger.stats.written, 0);
    assert.deepEqual(listTree(parent), [], "not even the log root was created");
    assert.throws(() => Deno.lstatSync("/abs.jsonl"), Deno.errors.NotFound);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("pathFor() throws InvalidSessionIdError for every refused id", () => {
  const logger = new JsonlExecutionLogger({ baseDir: "logs/execution", flushOnExit: false });
  for (const id of REFUSED_SESSION_IDS) {
    assert.throws(() => logger.pathFor(id), InvalidSessionIdError, JSON.stringify(id));
  }
  assert.equal(logger.pathFor("paper-1"), "logs/execution/paper-1.jsonl");
  assert.equal(
    new JsonlExecutionLogger({ baseDir: "/var/log/x/", flushOnExit: false }).pathFor("s"),
    "/var/log/x/s.jsonl",
  );
});

Deno.test("a refused id does not stop valid sessions of the same logger", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, onError: () => {} });
    logger.emit({ ...fillEvent("s1", 0), session_id: "../escape" });
    logger.emit(fillEvent("ok-1", 1));
    await logger.close();
    assert.deepEqual(listTree(dir), ["/ok-1.jsonl"]);
    assert.equal(readLines(`${dir}/ok-1.jsonl`).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session file that is a dangling symlink is refused and its target is not created", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${dir}/root`);
    Deno.symlinkSync(`${dir}/outside.jsonl`, `${dir}/root/evil.jsonl`);
    const reports: string[] = [];
    const logger = new JsonlExecutionLogger({
      baseDir: `${dir}/root`,
      onError: (r) => reports.push(r.message),
    });
    logger.emit(fillEvent("evil", 0));
    logger.emit(fillEvent("evil", 1));
    await logger.flush();
    logger.emit(fillEvent("evil", 2));
    await logger.close();
    assert.deepEqual(listTree(dir), ["/root", "/root/evil.jsonl"]);
    assert.equal(logger.stats.refused, 3);
    assert.equal(logger.stats.written, 0);
    assert.match(reports[0], /refusing to write .*evil\.jsonl: it is a symbolic link/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session file that links to an existing file outside the root leaves that file untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${dir}/root`);
    Deno.writeTextFileSync(`${dir}/outside.txt`, "precious\n");
    Deno.symlinkSync(`${dir}/outside.txt`, `${dir}/root/evil.jsonl`);
    const logger = new JsonlExecutionLogger({ baseDir: `${dir}/root`, onError: () => {} });
    logger.emit(fillEvent("evil", 0));
    await logger.close();
    assert.equal(Deno.readTextFileSync(`${dir}/outside.txt`), "precious\n");
    assert.equal(logger.stats.refused, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session file swapped for a symlink while the logger runs is not written through", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${dir}/root`);
    Deno.writeTextFileSync(`${dir}/outside.txt`, "precious\n");
    const logger = new JsonlExecutionLogger({ baseDir: `${dir}/root`, onError: () => {} });
    logger.emit(fillEvent("s1", 0));
    await logger.flush();
    Deno.removeSync(`${dir}/root/s1.jsonl`);
    Deno.symlinkSync(`${dir}/outside.txt`, `${dir}/root/s1.jsonl`);
    logger.emit(fillEvent("s1", 1));
    await logger.close();
    assert.equal(Deno.readTextFileSync(`${dir}/outside.txt`), "precious\n");
    assert.equal(logger.stats.written, 1);
    assert.equal(logger.stats.refused, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
