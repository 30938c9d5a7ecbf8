/**
 * Session ids that every writer, reader, the follower and the CLI must refuse: paths out of the
 * log root (plain, URL-encoded, Windows-style), dot names, empty, NUL, spaces, too long.
 */
export const REFUSED_SESSION_IDS: readonly string[] = [
  "../x",
  "/abs",
  "a/b",
  "",
  ".",
  "..",
  "a\u0000b",
  "x".repeat(200),
  "%2e%2e%2fx",
  "..%2fx",
  "a\\b",
  "..\\x",
  ".hidden",
  "s 1",
];
