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

Deno.test("posix dirname matches node:path's posix.dirname", () => {
  assert.ok(POSIX_PATHS.length > 5_000, `${POSIX_PATHS.length}`);
  for (const path of POSIX_PATHS) {
    assert.equal(ours.posix.dirname(path), posix.dirname(path), JSON.stringify(path));
  }
});

Deno.test("posix basename matches node:path's posix.basename", () => {
  for (const path of POSIX_PATHS) {
    assert.equal(ours.posix.basename(path), posix.basename(path), JSON.stringify(path));
  }
});

Deno.test("posix join matches node:path's posix.join, for one part and for several", () => {
  for (const path of POSIX_PATHS) {
    assert.equal(ours.posix.join(path), posix.join(path), JSON.stringify(path));
  }
  for (const parts of lists(POSIX_PARTS, 3)) {
    assert.equal(ours.posix.join(...parts), posix.join(...parts), JSON.stringify(parts));
  }
});

Deno.test("posix resolve matches node:path's posix.resolve from the same directory", () => {
  for (const path of POSIX_PATHS) {
    assert.equal(ours.posix.resolve(path), posix.resolve("/work/cwd", path), JSON.stringify(path));
  }
  for (const parts of lists(POSIX_PARTS, 3)) {
    assert.equal(
      ours.posix.resolve(...parts),
      posix.resolve("/work/cwd", ...parts),
      JSON.stringify(parts),
    );
  }
});

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

Deno.test("windows dirname matches node:path's win32.dirname", () => {
  assert.ok(WIN_PATHS.length > 5_000, `${WIN_PATHS.length}`);
  for (const path of WIN_PATHS) {
    assert.equal(ours.windows.dirname(path), win32.dirname(path), JSON.stringify(path));
  }
});

Deno.test("windows basename matches node:path's win32.basename", () => {
  for (const path of WIN_PATHS) {
    assert.equal(ours.windows.basename(path), win32.basename(path), JSON.stringify(path));
  }
});

Deno.test("windows join matches node:path's win32.join, for one part and for several", () => {
  for (const path of WIN_PATHS) {
    assert.equal(ours.windows.join(path), win32.join(path), JSON.stringify(path));
  }
  for (const parts of lists(WIN_PARTS, 3)) {
    assert.equal(ours.windows.join(...parts), win32.join(...parts), JSON.stringify(parts));
  }
});

/**
 * node:path's win32.resolve from `C:\\work\\cwd` (given as a part: it would read the current
 * directory of this POSIX process), where the current directory of drive D: is its root (given as
 * a part too: it would read it from the environment, and fall back to this process's directory).
 */
function nodeWin32Resolve(...parts: string[]): string {
  return win32.resolve("D:\\", "C:\\work\\cwd", ...parts);
}

Deno.test("windows resolve matches node:path's win32.resolve from the same directory", () => {
  for (const path of WIN_PATHS) {
    assert.equal(ours.windows.resolve(path), nodeWin32Resolve(path), JSON.stringify(path));
  }
  for (const parts of lists(WIN_PARTS, 3)) {
    assert.equal(ours.windows.resolve(...parts), nodeWin32Resolve(...parts), JSON.stringify(parts));
  }
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
