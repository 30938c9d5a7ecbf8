import assert from "node:assert/strict";
import { join } from "node:path";
import {
  isSameOrInside,
  refusedRootReason,
  resolveLogRoot,
  UnsafeLogRootError,
} from "../../ops/root_guard.ts";
import { withRoot } from "./retention/helpers.ts";

function refusal(path: string, home: string | null = null): string {
  try {
    resolveLogRoot(path, { home, purpose: "run retention on" });
  } catch (err) {
    assert.ok(err instanceof UnsafeLogRootError, `expected a refusal, got ${err}`);
    return err.message;
  }
  assert.fail(`${path} was accepted`);
}

Deno.test("the file-system root is refused, however it is spelt", () => {
  for (const path of ["/", "//", "/.", "/tmp/.."]) {
    assert.match(refusal(path), /root of the file system/, path);
  }
});

Deno.test("system directories and everything inside them are refused", () => {
  for (
    const path of [
      "/etc",
      "/etc/peak/logs",
      "/usr",
      "/usr/local/var/log/peak",
      "/proc",
      "/sys/kernel",
      "/dev",
      "/boot",
      "/bin",
      "/sbin",
      "/lib",
    ]
  ) {
    assert.match(refusal(path), /system directory/, path);
  }
});

Deno.test("shared directories are refused themselves, and a directory of one's own inside them is not", () => {
  for (const path of ["/var", "/var/log", "/tmp", "/home", "/root", "/run", "/opt", "/srv"]) {
    assert.match(refusal(path), /shared|contains/, path);
  }
  const ok = resolveLogRoot("/var/log/peak-trade-retention-test/execution", {
    home: null,
  });
  assert.equal(ok.realPath, "/var/log/peak-trade-retention-test/execution");
  assert.equal(ok.exists, false);
});

Deno.test("the home directory and its ancestors are refused, a directory inside it is not", async () => {
  await withRoot(async (root) => {
    const home = join(root, "home", "trader");
    await Deno.mkdir(join(home, "logs"), { recursive: true });
    assert.match(refusal(home, home), /is the home directory/);
    assert.match(refusal(join(root, "home"), home), /contains the home directory/);
    assert.match(refusal(`${home}/`, home), /is the home directory/);
    const inside = resolveLogRoot(join(home, "logs"), { home });
    assert.equal(inside.realPath, join(home, "logs"));
  });
});

Deno.test("the check is by path components, not by substring", () => {
  assert.equal(isSameOrInside("/var/log", "/var/log"), true);
  assert.equal(isSameOrInside("/var/log", "/var/log/peak"), true);
  assert.equal(isSameOrInside("/var/log", "/var/log2"), false);
  assert.equal(isSameOrInside("/var/log/", "/var/logs/x"), false);
  assert.equal(isSameOrInside("/etc", "/etc/../tmp/x"), false);
  assert.equal(isSameOrInside("/", "/anything"), true);
});

Deno.test("a name containing 'log' gives no pass: the original's substring test is gone", () => {
  assert.match(refusal("/etc/logs"), /system directory/);
  assert.match(refusal("/usr/lib/telemetry"), /system directory/);
});

Deno.test("a root reached through a symbolic link is judged by where it leads", async () => {
  await withRoot(async (root) => {
    const toEtc = join(root, "to-etc");
    await Deno.symlink("/etc", toEtc);
    assert.match(refusal(toEtc), /inside the system directory \/etc|is inside/);
    const home = join(root, "home");
    await Deno.mkdir(home);
    const toHome = join(root, "to-home");
    await Deno.symlink(home, toHome);
    assert.match(refusal(toHome, home), /is the home directory/);
    // A link in the middle of the path to a directory of our own: the real path is used.
    const real = join(root, "real");
    await Deno.mkdir(join(real, "execution"), { recursive: true });
    await Deno.symlink(real, join(root, "link"));
    const resolved = resolveLogRoot(join(root, "link", "execution"), { home: null });
    assert.equal(resolved.realPath, join(await Deno.realPath(real), "execution"));
    assert.equal(resolved.exists, true);
  });
});

Deno.test("a root that is a file, or empty, is refused", async () => {
  await withRoot(async (root) => {
    const file = join(root, "file.jsonl");
    await Deno.writeTextFile(file, "");
    assert.match(refusal(file), /not a directory/);
    assert.match(refusal(join(file, "below")), /cannot resolve/);
    assert.match(refusal(""), /empty/);
  });
});

Deno.test("a missing root below a safe directory is accepted as not existing", async () => {
  await withRoot(async (root) => {
    const missing = join(root, "not", "yet");
    const resolved = resolveLogRoot(missing, { home: null });
    assert.equal(resolved.exists, false);
    assert.equal(resolved.realPath, join(await Deno.realPath(root), "not", "yet"));
  });
});

Deno.test("health and alerts refuse by the same component-wise check, and need a root that exists", async () => {
  await withRoot(async (root) => {
    // The old check refused only the listed directories themselves: /etc/peak passed it.
    assert.match(refusedRootReason("/etc/peak", undefined, true)!, /inside the system directory/);
    assert.match(
      refusedRootReason("/", undefined, true)!,
      /root of the file system, not a log root/,
    );
    const home = join(root, "home", "trader");
    await Deno.mkdir(home, { recursive: true });
    assert.match(refusedRootReason(join(root, "home"), home)!, /contains the home directory/);
    assert.equal(refusedRootReason(home + "/logs", home, true), null);
    assert.match(refusedRootReason(join(root, "missing"), undefined)!, /does not exist/);
    assert.equal(refusedRootReason(root, undefined), null);
  });
});
