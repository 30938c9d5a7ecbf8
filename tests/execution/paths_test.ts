import assert from "node:assert/strict";
import { posix, win32 } from "node:path";
import { basename, dirname, join, pathFunctions, resolve } from "../../execution/paths.ts";

/** Every string of up to `length` pieces from `pieces` (the empty string first). */
function combinations(pieces: readonly string[], length: number): string[] {
  let level = [""];
  const all = new Set(level);
  for (let n = 1; n <= length; n++) {
    level = level.flatMap((prefix) => pieces.map((piece) => prefix + piece));
    for (const path of level) all.add(path);
  }
  return [...all];
}

const POSIX_PIECES = ["/", "a", "bc", ".", "..", "...", ".x"];
/** Paths of up to five pieces: roots, doubled separators, dots, trailing separators. */
const POSIX_PATHS = combinations(POSIX_PIECES, 5);
const POSIX_PARTS = ["", "/", "a", "/a", "a/", "..", "../b", "./", "a/../..", "//b", "c/./d/"];

const WIN_PIECES = ["\\", "/", "a", ".", "..", "C:", "c:"];
const WIN_PATHS = [
  ...combinations(WIN_PIECES, 5),
  "\\\\server\\share",
  "\\\\server\\share\\",
  "//server/share/a/b",
  "\\\\server\\\\share\\a",
  "\\\\server\\share\\..\\..\\x",
  "\\\\?\\C:\\a",
  "\\\\server",
  "\\\\\\a",
];
const WIN_PARTS = [
  "",
  "\\",
  "/",
  "a",
  "\\a",
  "a/",
  "..",
  "..\\b",
  "C:",
  "C:\\x",
  "c:y",
  "D:/z",
  "D:w",
  "\\\\srv\\sh",
  "//srv/sh/q",
];

/** Every list of up to `length` items of `items`. */
function lists(items: readonly string[], length: number): string[][] {
  const all: string[][] = [[]];
  for (let n = 1; n <= length; n++) {
    for (const list of all.filter((l) => l.length === n - 1)) {
      for (const item of items) all.push([...list, item]);
    }
  }
  return all;
}

const ours = {
  posix: pathFunctions("posix", () => "/work/cwd"),
  windows: pathFunctions("windows", () => "C:\\work\\cwd"),
};

/**
 * node:path's win32.resolve from `C:\\work\\cwd` (given as a part: it would read the current
 * directory of this POSIX process), where the current directory of drive D: is its root (given as
 * a part too: it would read it from the environment, and fall back to this process's directory).
 */
function nodeWin32Resolve(...parts: string[]): string {
  return win32.resolve("D:\\", "C:\\work\\cwd", ...parts);
}

/** Each flavour against node:path's: its sample paths and parts, and node's resolve from the same directory. */
const FLAVOURS = [
  {
    name: "posix",
    node: "posix",
    ours: ours.posix,
    theirs: posix,
    paths: POSIX_PATHS,
    parts: POSIX_PARTS,
    theirResolve: (...parts: string[]) => posix.resolve("/work/cwd", ...parts),
  },
  {
    name: "windows",
    node: "win32",
    ours: ours.windows,
    theirs: win32,
    paths: WIN_PATHS,
    parts: WIN_PARTS,
    theirResolve: nodeWin32Resolve,
  },
];

for (
  const { name, node, ours: mine, theirs, paths, parts: sampleParts, theirResolve } of FLAVOURS
) {
  Deno.test(`${name} dirname matches node:path's ${node}.dirname`, () => {
    assert.ok(paths.length > 5_000, `${paths.length}`);
    for (const path of paths) {
      assert.equal(mine.dirname(path), theirs.dirname(path), JSON.stringify(path));
    }
  });

  Deno.test(`${name} basename matches node:path's ${node}.basename`, () => {
    for (const path of paths) {
      assert.equal(mine.basename(path), theirs.basename(path), JSON.stringify(path));
    }
  });

  Deno.test(`${name} join matches node:path's ${node}.join, for one part and for several`, () => {
    for (const path of paths) {
      assert.equal(mine.join(path), theirs.join(path), JSON.stringify(path));
    }
    for (const parts of lists(sampleParts, 3)) {
      assert.equal(mine.join(...parts), theirs.join(...parts), JSON.stringify(parts));
    }
  });

  Deno.test(`${name} resolve matches node:path's ${node}.resolve from the same directory`, () => {
    for (const path of paths) {
      assert.equal(mine.resolve(path), theirResolve(path), JSON.stringify(path));
    }
    for (const parts of lists(sampleParts, 3)) {
      assert.equal(mine.resolve(...parts), theirResolve(...parts), JSON.stringify(parts));
    }
  });
}

Deno.test("posix resolve reads the current directory only for a relative path", () => {
  let reads = 0;
  const counted = pathFunctions("posix", () => {
    reads++;
    return "/here";
  });
  assert.equal(counted.resolve("/a", "b"), "/a/b");
  assert.equal(reads, 0);
  assert.equal(counted.resolve("b"), "/here/b");
  assert.equal(reads, 1);
});

Deno.test("windows paths take both separators and build with backslashes", () => {
  assert.equal(
    ours.windows.join("C:/logs", "execution\\segments/s"),
    "C:\\logs\\execution\\segments\\s",
  );
  assert.equal(ours.windows.dirname("C:/logs/s.jsonl"), "C:/logs");
  assert.equal(ours.windows.basename("C:\\logs/s.jsonl"), "s.jsonl");
});

Deno.test("windows resolve keeps drive letters: its own, the current one, another's root", () => {
  assert.equal(ours.windows.resolve("D:\\logs", "s"), "D:\\logs\\s");
  assert.equal(ours.windows.resolve("\\logs"), "C:\\logs");
  assert.equal(ours.windows.resolve("c:logs"), "c:\\work\\cwd\\logs");
  assert.equal(ours.windows.resolve("D:logs"), "D:\\logs");
  assert.equal(ours.windows.resolve("\\\\srv\\share\\logs", "..", "x"), "\\\\srv\\share\\x");
});

Deno.test("the exported functions are those of the platform Deno runs on", () => {
  const expected = Deno.build.os === "windows" ? win32 : posix;
  for (const path of ["logs/execution/s.jsonl", "/", "", "a//b/", "../x"]) {
    assert.equal(join(path, "y"), expected.join(path, "y"), path);
    assert.equal(dirname(path), expected.dirname(path), path);
    assert.equal(basename(path), expected.basename(path), path);
    assert.equal(resolve(path), expected.resolve(path), path);
  }
});
