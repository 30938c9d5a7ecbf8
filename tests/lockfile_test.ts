// Benchmark-only packages (pino) resolve only under bench/ (deno.json "scopes") and are locked in
// bench/deno.lock. Deno installs every npm package of the lockfile in use, so one of them in the
// root deno.lock would be downloaded by every first `deno task test` or `deno run main.ts`.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

interface Lockfile {
  specifiers?: Record<string, string>;
  npm?: Record<string, { integrity?: string }>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, root))) as T;
}

/** `npm:pino@10.4.0` → `pino`; `npm:@scope/name@1` → `@scope/name`. */
function packageName(specifier: string): string {
  const bare = specifier.replace(/^npm:\/?/, "");
  const at = bare.indexOf("@", 1);
  return at === -1 ? bare : bare.slice(0, at);
}

/** `name@version` keys of a lockfile's npm snapshot, without the peer suffix (`_peer@1`). */
function snapshotPackages(lock: Lockfile): Map<string, string | undefined> {
  const packages = new Map<string, string | undefined>();
  for (const [key, entry] of Object.entries(lock.npm ?? {})) {
    packages.set(key.split("_")[0], entry.integrity);
  }
  return packages;
}

Deno.test("the root lockfile holds no benchmark-only package", async () => {
  const config = await readJson<{ scopes?: Record<string, Record<string, string>> }>(
    "deno.json",
  );
  const benchOnly = Object.values(config.scopes?.["./bench/"] ?? {}).map(packageName);
  assert.ok(benchOnly.includes("pino"), "pino is mapped for bench/ only");
  const lock = await readJson<Lockfile>("deno.lock");
  for (const name of benchOnly) {
    const locked = [...snapshotPackages(lock).keys()].filter((key) => key.startsWith(`${name}@`));
    assert.deepEqual(locked, [], `${name} must be locked in bench/deno.lock only`);
    assert.ok(
      Object.keys(lock.specifiers ?? {}).every((s) => packageName(s) !== name),
      `${name} must not be a resolved specifier of deno.lock`,
    );
  }
});

Deno.test("the benchmark lockfile pins the same packages as the root lockfile", async () => {
  const rootPackages = snapshotPackages(await readJson<Lockfile>("deno.lock"));
  const benchPackages = snapshotPackages(await readJson<Lockfile>("bench/deno.lock"));
  assert.ok(benchPackages.size > 0);
  for (const [pkg, integrity] of benchPackages) {
    if (!rootPackages.has(pkg)) continue;
    assert.equal(integrity, rootPackages.get(pkg), `${pkg} differs between the two lockfiles`);
  }
  const rootVersions = new Map([...rootPackages.keys()].map((k) => [packageName(k), k]));
  for (const pkg of benchPackages.keys()) {
    const other = rootVersions.get(packageName(pkg));
    assert.ok(
      other === undefined || other === pkg,
      `${pkg} in bench/deno.lock, ${other} in deno.lock`,
    );
  }
});
