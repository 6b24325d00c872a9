import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { visibleWindow, type Window } from "../virtual";

// A virtual list on the page's own scroll: only the items near the viewport are in the DOM, the
// rest are two spacers whose heights come from each item's measured height (ResizeObserver) or
// an estimate until it has been seen. So a timeline of thousands of tweets keeps a few dozen
// cards in the document and scrolls at the same cost as a short one. The browser's scroll
// anchoring keeps what you read in place when a height above it turns out different.

const ESTIMATE = 170;
const MARGIN = 1500; // px rendered above and below the viewport

export function VirtualList({ keys, render }: { keys: string[]; render: (key: string, index: number) => ComponentChildren }) {
  const root = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>()).current;
  const latest = useRef(keys);
  latest.current = keys;
  const [win, setWin] = useState<Window>(() => visibleWindow(keys, heights, ESTIMATE, 0, innerHeight + MARGIN));
  const frame = useRef(0);

  const update = () => {
    frame.current = 0;
    const el = root.current;
    if (!el) return;
    const top = -el.getBoundingClientRect().top;
    const next = visibleWindow(latest.current, heights, ESTIMATE, top - MARGIN, top + innerHeight + MARGIN);
    setWin((w) => (w.start === next.start && w.end === next.end && w.before === next.before && w.after === next.after ? w : next));
  };
  const schedule = () => {
    if (!frame.current) frame.current = requestAnimationFrame(update);
  };

  const observer = useMemo(
    () =>
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver((entries) => {
            let changed = false;
            for (const entry of entries) {
              const target = entry.target as HTMLElement;
              const key = target.dataset.key;
              const h = target.offsetHeight; // 0 for a deleted tweet: it takes no room
              if (key && target.isConnected && heights.get(key) !== h) {
                heights.set(key, h);
                changed = true;
              }
            }
            if (changed) schedule();
          }),
    [],
  );

  useEffect(() => {
    addEventListener("scroll", schedule, { passive: true });
    addEventListener("resize", schedule);
    return () => {
      removeEventListener("scroll", schedule);
      removeEventListener("resize", schedule);
      cancelAnimationFrame(frame.current);
      observer?.disconnect();
    };
  }, []);

  // New keys (a page loaded, a tweet streamed in on top): recompute before paint.
  useLayoutEffect(update, [keys]);

  // One ref callback per key, so unmounting an item stops observing exactly its element.
  const refs = useRef(new Map<string, (el: HTMLElement | null) => void>()).current;
  const refFor = (key: string) => {
    let ref = refs.get(key);
    if (!ref) {
      let current: HTMLElement | null = null;
      ref = (el) => {
        if (current && current !== el) observer?.unobserve(current);
        current = el;
        if (el) observer?.observe(el);
      };
      refs.set(key, ref);
    }
    return ref;
  };

  const end = Math.min(win.end, keys.length);
  const start = Math.min(win.start, end);
  return (
    <div ref={root} class="vlist">
      <div class="spacer" aria-hidden="true" style={{ height: `${win.before}px` }} />
      {keys.slice(start, end).map((key, i) => (
        <div key={key} data-key={key} ref={refFor(key)}>
          {render(key, start + i)}
        </div>
      ))}
      <div class="spacer" aria-hidden="true" style={{ height: `${win.after}px` }} />
    </div>
  );
}
