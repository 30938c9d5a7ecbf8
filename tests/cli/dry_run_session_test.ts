import assert from "node:assert/strict";
import { defaultSessionId } from "../../cli/dry_run_session.ts";

Deno.test("the default session id names the run in UTC", () => {
  assert.equal(
    defaultSessionId(new Date(Date.UTC(2026, 10, 25, 10, 15, 0, 999))),
    "dryrun-20261125T101500Z",
  );
  assert.equal(
    defaultSessionId(new Date(Date.UTC(2027, 0, 2, 3, 4, 5))),
    "dryrun-20270102T030405Z",
  );
});
