import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { withLogDir } from "./fixtures.ts";

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
