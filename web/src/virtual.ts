// The window of a long list to render: the items that overlap the viewport plus a margin, and
// the heights of what is left out above and below (spacers keep the scrollbar honest). Items
// not measured yet count as `estimate`. Pure, so it is unit tested; ui/VirtualList.tsx feeds it.

export interface Window {
  start: number; // first rendered index
  end: number; // one past the last rendered index
  before: number; // px of items above `start`
  after: number; // px of items from `end` on
}

export function visibleWindow(keys: readonly string[], heights: ReadonlyMap<string, number>, estimate: number, from: number, to: number): Window {
  let y = 0;
  let start = keys.length;
  let end = keys.length;
  let before = 0;
  for (let i = 0; i < keys.length; i++) {
    const h = heights.get(keys[i]!) ?? estimate;
    if (start === keys.length && y + h > from) {
      start = i;
      before = y;
    }
    if (y >= to && start !== keys.length) {
      end = i;
      break;
    }
    y += h;
  }
  if (start === keys.length) before = y;
  let after = 0;
  for (let i = end; i < keys.length; i++) after += heights.get(keys[i]!) ?? estimate;
  return { start, end, before, after };
}
