import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { request } from "../api";
import { t } from "../i18n";
import { compareIds, mergeNewest } from "../position";
import { failed, rememberAll, remember } from "../store";
import { onStream, type StreamEvent } from "../stream";
import type { Status } from "../types";
import { StatusCard } from "./Status";
import { VirtualList } from "./VirtualList";

export interface FeedProps {
  /** First page's URL; later pages follow the Link header. */
  url: string;
  /** Which stream events add a tweet at the top (null: none, e.g. a ranked feed). */
  live?: ((e: StreamEvent) => boolean) | null;
  empty?: string;
  header?: preact.ComponentChildren;
}

/**
 * A timeline: pages as you scroll, new tweets from the stream on top (or behind an "N new"
 * pill when you have scrolled down, so nothing jumps under your eyes). A virtual list: only the
 * tweets near the viewport are in the DOM, so thousands stay smooth.
 */
export function Feed({ url, live = null, empty = t.feed.empty, header }: FeedProps) {
  const ids = useSignal<string[]>([]);
  const pending = useSignal<string[]>([]);
  const next = useSignal<string | null>(null);
  const loading = useSignal(false);
  const error = useSignal<string | null>(null);
  const done = useSignal(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const shown = useRef(url);
  shown.current = url;
  const reloadAfter = useRef(false); // asked for while a page was in flight: its answer may be stale
  const load = async (first: boolean): Promise<void> => {
    if (loading.value) {
      if (first) reloadAfter.current = true;
      return;
    }
    if (!first && (!next.value || done.value)) return;
    const from = shown.current;
    const ranked = from.includes("order=ranked");
    loading.value = true;
    error.value = null;
    try {
      const page = await request<Status[]>("GET", first ? from : next.value!);
      if (from !== shown.current) reloadAfter.current = true; // the view moved to another timeline
      else {
        const got = rememberAll(page.data);
        // The newest page again, meeting what is shown: the older pages' cursor stays. With no
        // overlap there may be a hole, so paging goes on from the fresh page.
        const shownIds = new Set(ids.value);
        const refresh = first && !ranked && got.some((id) => shownIds.has(id));
        if (ranked && first) ids.value = got;
        else if (first) ids.value = mergeNewest(got, ids.value);
        else ids.value = [...ids.value, ...got.filter((id) => !ids.value.includes(id))];
        if (!refresh) {
          next.value = page.next;
          done.value = !page.next || got.length === 0;
        }
      }
    } catch (e) {
      error.value = e instanceof Error ? e.message : t.errors.generic;
      if (!first) failed(e);
    } finally {
      loading.value = false;
    }
    if (reloadAfter.current) {
      reloadAfter.current = false;
      await load(true);
    }
  };

  useEffect(() => {
    ids.value = [];
    pending.value = [];
    next.value = null;
    done.value = false;
    void load(true);
    return onStream((e) => {
      if (e.event === "chirp.reset") {
        void load(true);
        return;
      }
      if (!live || e.event !== "update" || !live(e)) return;
      const id = remember(e.payload as Status).value.id;
      if (ids.value.includes(id) || pending.value.includes(id)) return;
      if (scrollY > 300) pending.value = [id, ...pending.value];
      else ids.value = [id, ...ids.value];
    });
  }, [url]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target) return;
    const observer = new IntersectionObserver((entries) => entries[0]?.isIntersecting && void load(false), { rootMargin: "800px" });
    observer.observe(target);
    return () => observer.disconnect();
  }, [url]);

  const showPending = () => {
    ids.value = [...pending.value, ...ids.value].sort((a, b) => compareIds(b, a));
    pending.value = [];
    scrollTo({ top: 0, behavior: "smooth" });
  };

  return (
    <section class="feed" aria-busy={loading.value}>
      {header}
      {pending.value.length > 0 && <button class="pill" onClick={showPending}>↑ {t.feed.newPosts(pending.value.length)}</button>}
      <div role={ids.value.length ? "feed" : undefined} aria-label={ids.value.length ? t.feed.label : undefined}>
        <VirtualList keys={ids.value} render={(id, i) => <StatusCard id={id} position={[i + 1, done.value ? ids.value.length : -1]} />} />
      </div>
      {error.value && ids.value.length === 0 && <ErrorState message={error.value} retry={() => void load(true)} />}
      {!loading.value && !error.value && ids.value.length === 0 && <p class="empty">{empty}</p>}
      {loading.value && <p class="muted loading" role="status">{t.feed.loading}</p>}
      {!loading.value && next.value && !done.value && <button class="more" onClick={() => void load(false)}>{t.feed.loadMore}</button>}
      <div ref={sentinel} />
    </section>
  );
}

export function ErrorState({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="error-state" role="alert">
      <p>{message}</p>
      {retry && <button onClick={retry}>{t.errors.retry}</button>}
    </div>
  );
}
