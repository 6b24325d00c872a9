// Stream positions and gap filling, kept apart from the socket so they can be tested.
// A position is "<epoch>-<sequence>" (the in-process bus) or a Redis Streams id ("<ms>-<seq>"):
// both order by (first, second) number.

export function parsePosition(id: string): [number, number] | null {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function comparePositions(a: string, b: string): number {
  const pa = parsePosition(a);
  const pb = parsePosition(b);
  if (!pa || !pb) return a === b ? 0 : a < b ? -1 : 1;
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/**
 * Remembers the last event processed. After a reconnect the server replays what was missed
 * from that position; a frame at or before it (a replay overlapping what the app already has)
 * is a duplicate and is dropped. Frames without an id (live counters) always pass.
 */
export class StreamCursor {
  last: string | null;
  // One event can reach a tab on several of its streams (a tweet with a followed hashtag: on
  // `user` and on `hashtag`), each frame with the event's position: which streams had the last.
  private seenAtLast = new Set<string>();
  constructor(last: string | null = null) {
    this.last = last;
  }

  accept(id: string | undefined, stream = ""): boolean {
    if (!id) return true;
    if (this.last !== null) {
      const order = comparePositions(id, this.last);
      if (order < 0 || (order === 0 && (this.seenAtLast.has(stream) || this.seenAtLast.size === 0))) return false;
      if (order === 0) {
        this.seenAtLast.add(stream);
        return true;
      }
    }
    this.last = id;
    this.seenAtLast = new Set([stream]);
    return true;
  }

  /** After `chirp.reset` the history no longer reaches back: start again from REST. */
  reset(): void {
    this.last = null;
    this.seenAtLast.clear();
  }
}

/**
 * Merges a page fetched over REST (newest first) with the ids already shown, newest first,
 * without duplicates: used when the app reloads after `chirp.reset` or comes back online.
 */
export function mergeNewest(fetched: string[], shown: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of [...fetched, ...shown]) {
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out.sort((a, b) => compareIds(b, a));
}

/** Snowflake ids as strings: longer is newer, then lexicographic. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
