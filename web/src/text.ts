// Counts a tweet's characters exactly as the server does (chirp/core/text.py, itself Mastodon's
// StatusLengthValidator): every link weighs 23, `@user@domain` weighs `@user`, and the rest is
// counted in grapheme clusters. The content warning counts in graphemes too.

export const URL_WEIGHT = 23;

const TRAILING = new Set([".", ",", ";", ":", "!", "?", "'", '"', "…"]);
const URL_RE =
  /(?<![\p{L}\p{N}_@])https?:\/\/[^\s\x1c-\x1f<>"'\u200b-\u200f\u2028-\u202e\u2066-\u2069]+/giu;
const MENTION_RE =
  /(?<![\p{L}\p{N}_/@.])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([a-z0-9.-]+[a-z0-9](?::\d{1,5})?))?/giu;

export interface Entity {
  start: number;
  end: number;
  kind: "url" | "mention";
  value: string;
  domain?: string | undefined;
}

/** Drops trailing punctuation and unbalanced closing parentheses, as the server does. */
export function trimUrl(url: string): string {
  let opened = 0;
  let closed = 0;
  for (const ch of url) {
    if (ch === "(") opened++;
    else if (ch === ")") closed++;
  }
  let end = url.length;
  while (end > 0) {
    const ch = url[end - 1]!;
    if (TRAILING.has(ch)) end--;
    else if (ch === ")" && opened < closed) {
      closed--;
      end--;
    } else break;
  }
  return url.slice(0, end);
}

/** Links and mentions, links first: a mention inside a link is part of the link. */
export function entities(text: string): Entity[] {
  const found: Entity[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const url = trimUrl(m[0]);
    if (url.length > "https://".length) found.push({ start: m.index, end: m.index + url.length, kind: "url", value: url });
  }
  const urls = [...found];
  const free = (s: number, e: number) => urls.every((u) => e <= u.start || s >= u.end);
  for (const m of text.matchAll(MENTION_RE)) {
    if (free(m.index, m.index + m[0].length)) {
      found.push({ start: m.index, end: m.index + m[0].length, kind: "mention", value: m[1]!, domain: m[2] });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** User-perceived characters (extended grapheme clusters). */
export function graphemeLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.length - (text.match(/\r\n/g)?.length ?? 0);
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

export function weightedLength(text: string): number {
  let out = "";
  let last = 0;
  for (const e of entities(text)) {
    if (e.kind === "url" || e.domain) {
      out += text.slice(last, e.start) + (e.kind === "url" ? "x".repeat(URL_WEIGHT) : "@" + e.value);
      last = e.end;
    }
  }
  out += text.slice(last);
  return graphemeLength(out);
}

/** What the server checks against `max_characters`: the body plus the content warning. */
export function tweetLength(body: string, spoiler: string): number {
  return weightedLength(body) + graphemeLength(spoiler);
}
