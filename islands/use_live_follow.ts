/**
 * Live follow of one session's timeline over Server-Sent Events, as a Preact
 * hook: it owns the `EventSource`, the byte offset to resume from and the
 * connection state, and hands the streamed rows to its caller in arrays.
 *
 * The server sends `batch` messages (up to ~500 rows or ~100 ms each); each
 * batch reaches the caller as one array, oldest first, so that the caller
 * applies it in one state update. The id of a batch covers the lines its
 * filters left out too, so a reconnect never reads them again. The server's
 * `summary` messages (about once a second while the file grows) keep the
 * whole-session summary current without another request.
 *
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { FollowConnection } from "../components/FollowToolbar.tsx";
import type { ExecutionSummary, TimelineRow } from "../live/types.ts";

/**
 * A row as the stream sends it: a timeline row and the byte offset just
 * after its line, where following resumes.
 */
export interface StreamedRow extends TimelineRow {
  /** Byte offset just after the row's line. */
  end: number;
}

/**
 * Options of {@linkcode useLiveFollow}.
 */
export interface LiveFollowOptions {
  /** URL of the session's event stream, with the view's filters (`from` is added). */
  streamUrl: string;
  /** Byte offset to follow from at first (read once; later use `restartFrom`). */
  from: number;
  /** Whether to follow: turning it off closes the stream, turning it on resumes. */
  enabled: boolean;
  /**
   * Rows streamed since the last call, oldest first; every row of the
   * current stream, whatever the caller's filters.
   */
  onRows: (rows: StreamedRow[]) => void;
  /** A fresh whole-session summary from the stream. */
  onSummary?: (summary: ExecutionSummary) => void;
  /**
   * The log was truncated or replaced: the stream is closed (continuing it
   * would replay the new file). Reload the view, then call `restartFrom`.
   */
  onReset: () => void;
  /** The server refused the stream for good (the browser will not retry). */
  onRefused: () => void;
}

/**
 * What {@linkcode useLiveFollow} returns.
 */
export interface LiveFollow {
  /** The state of the connection, `off` when not following. */
  connection: FollowConnection;
  /**
   * Follow from `offset` on (e.g. where a freshly loaded page was read): rows
   * the current stream delivers from now on are dropped, and when following,
   * a new stream starts there.
   */
  restartFrom: (offset: number) => void;
}

/**
 * Follow a session's event stream while `enabled`.
 *
 * @example
 * ```ts
 * import { useState } from "preact/hooks";
 * import type { ExecutionSummary, TimelineRow } from "../live/types.ts";
 * import { useLiveFollow } from "./use_live_follow.ts";
 *
 * function NewestSymbols({ streamUrl }: { streamUrl: string }): string {
 *   const [rows, setRows] = useState<TimelineRow[]>([]);
 *   const live = useLiveFollow({
 *     streamUrl,
 *     from: 0,
 *     enabled: true,
 *     // One state update per delivery, newest first.
 *     onRows: (delivered) => setRows((held) => [...delivered.reverse(), ...held]),
 *     onReset: () => {
 *       setRows([]);
 *       live.restartFrom(0);
 *     },
 *     onRefused: () => {},
 *   });
 *   return `${live.connection}: ${rows.map((row) => row.symbol).join(" ")}`;
 * }
 * ```
 */
export function useLiveFollow(options: LiveFollowOptions): LiveFollow {
  const { streamUrl, enabled } = options;
  const [connection, setConnection] = useState<FollowConnection>("off");
  /** Bumped to start a new stream from `cursor`. */
  const [epoch, setEpoch] = useState(0);
  const cursor = useRef(options.from);
  /** Bumped when the caller's view is replaced: rows of a stream from before it are stale. */
  const generation = useRef(0);
  // The latest callbacks, so that a new render's closures do not restart the stream.
  const callbacks = useRef(options);
  callbacks.current = options;

  useEffect(() => {
    if (!enabled) {
      setConnection("off");
      return;
    }
    setConnection("connecting");
    const started = generation.current;
    const separator = streamUrl.includes("?") ? "&" : "?";
    const source = new EventSource(`${streamUrl}${separator}from=${cursor.current}`);
    source.onopen = () => setConnection("connected");
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setConnection("reconnecting"); // the browser retries and resumes after the last event
        return;
      }
      callbacks.current.onRefused();
    };
    source.addEventListener("batch", (message: MessageEvent<string>) => {
      if (started !== generation.current) return;
      const batch = JSON.parse(message.data) as { rows: StreamedRow[]; end: number };
      cursor.current = batch.end;
      if (batch.rows.length > 0) callbacks.current.onRows(batch.rows);
    });
    source.addEventListener("summary", (message: MessageEvent<string>) => {
      if (started !== generation.current) return;
      callbacks.current.onSummary?.(JSON.parse(message.data) as ExecutionSummary);
    });
    source.addEventListener("reset", () => {
      if (started !== generation.current) return;
      source.close();
      setConnection("reconnecting");
      callbacks.current.onReset();
    });
    return () => source.close();
  }, [enabled, epoch, streamUrl]);

  const restartFrom = useCallback((offset: number): void => {
    generation.current++;
    cursor.current = offset;
    setEpoch((n) => n + 1);
  }, []);

  return { connection, restartFrom };
}
