import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  markShippedRootSync,
  readShipCheckpointSync,
  readShipMarkerSync,
  shipCheckpointPath,
  shippingAllowsDelete,
  shippingAllowsSessionDelete,
  ShipStateError,
  unshippedFrom,
  writeShipCheckpointSync,
} from "../../../execution/fleet/ship_checkpoint.ts";

async function withRoot(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ship_checkpoint_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function checkpoint(offset: number) {
  return {
    session_id: "s1",
    host_id: "h1",
    stream: "PEAK_EXEC",
    offset,
    last_key: { seq: 10, n: 1 },
    lines: 11,
    updated_at: "2026-11-25T09:30:45.000Z",
  };
}

Deno.test("a checkpoint is written atomically and read back", async () => {
  await withRoot((dir) => {
    writeShipCheckpointSync(dir, checkpoint(4096));
    assert.deepEqual(readShipCheckpointSync(dir, "s1"), checkpoint(4096));
    const names = [...Deno.readDirSync(`${dir}/.fleet/ship/sessions`)].map((e) => e.name);
    assert.deepEqual(names, ["s1.json"], "no temporary file is left");
  });
});

Deno.test("a checkpoint of another session or an unreadable one is refused", async () => {
  await withRoot((dir) => {
    writeShipCheckpointSync(dir, checkpoint(1));
    Deno.renameSync(shipCheckpointPath(dir, "s1"), shipCheckpointPath(dir, "s2"));
    assert.throws(() => readShipCheckpointSync(dir, "s2"), ShipStateError);
    Deno.writeTextFileSync(shipCheckpointPath(dir, "s3"), "{");
    assert.throws(() => readShipCheckpointSync(dir, "s3"), ShipStateError);
  });
});

Deno.test("a checkpoint that is a symbolic link is refused", async () => {
  await withRoot((dir) => {
    writeShipCheckpointSync(dir, checkpoint(1));
    Deno.symlinkSync(shipCheckpointPath(dir, "s1"), shipCheckpointPath(dir, "s4"));
    assert.throws(() => readShipCheckpointSync(dir, "s4"), /not a regular file/);
  });
});

Deno.test("unshippedFrom is null for a root that is not shipped", async () => {
  await withRoot((dir) => {
    assert.equal(unshippedFrom(dir, "s1"), null);
    assert.equal(shippingAllowsDelete(dir, "s1", 1e12), true);
  });
});

Deno.test("in a shipped root, a session without a checkpoint has shipped nothing", async () => {
  await withRoot((dir) => {
    markShippedRootSync(dir, "h1", "PEAK_EXEC");
    assert.equal(unshippedFrom(dir, "s1"), 0);
    assert.equal(shippingAllowsDelete(dir, "s1", 1), false);
    assert.equal(shippingAllowsDelete(dir, "s1", 0), true);
  });
});

Deno.test("retention may delete only what is before the checkpoint", async () => {
  await withRoot((dir) => {
    markShippedRootSync(dir, "h1", "PEAK_EXEC");
    writeShipCheckpointSync(dir, checkpoint(4096));
    assert.equal(unshippedFrom(dir, "s1"), 4096);
    assert.equal(shippingAllowsDelete(dir, "s1", 4096), true);
    assert.equal(shippingAllowsDelete(dir, "s1", 4097), false);
  });
});

Deno.test("a damaged checkpoint in a shipped root counts as nothing shipped", async () => {
  await withRoot((dir) => {
    markShippedRootSync(dir, "h1", "PEAK_EXEC");
    writeShipCheckpointSync(dir, checkpoint(4096));
    Deno.writeTextFileSync(shipCheckpointPath(dir, "s1"), "not json");
    assert.equal(unshippedFrom(dir, "s1"), 0);
  });
});

Deno.test("the marker keeps its first start and names host and stream", async () => {
  await withRoot((dir) => {
    const first = markShippedRootSync(dir, "h1", "PEAK_EXEC");
    const again = markShippedRootSync(dir, "h1", "PEAK_EXEC");
    assert.equal(again.since, first.since);
    assert.deepEqual(readShipMarkerSync(dir), first);
  });
});

Deno.test("a whole session may be deleted only once its end is shipped", async () => {
  await withRoot((dir) => {
    Deno.writeTextFileSync(`${dir}/s1.jsonl`, "x".repeat(99) + "\n");
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), true, "not shipped at all");
    markShippedRootSync(dir, "h1", "PEAK_EXEC");
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), false);
    writeShipCheckpointSync(dir, checkpoint(99));
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), false, "one byte short");
    writeShipCheckpointSync(dir, checkpoint(100));
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), true);
  });
});

Deno.test("a whole-session archive counts with its uncompressed size", async () => {
  await withRoot((dir) => {
    Deno.writeFileSync(
      `${dir}/s1.jsonl.gz`,
      gzipSync(new TextEncoder().encode("y".repeat(49) + "\n")),
    );
    markShippedRootSync(dir, "h1", "PEAK_EXEC");
    writeShipCheckpointSync(dir, checkpoint(49));
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), false);
    writeShipCheckpointSync(dir, checkpoint(50));
    assert.equal(shippingAllowsSessionDelete(dir, "s1"), true);
  });
});
