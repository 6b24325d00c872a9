import { describe, expect, it } from "vitest";
import { visibleWindow } from "../src/virtual";

const keys = Array.from({ length: 1000 }, (_, i) => String(i));

describe("visibleWindow", () => {
  it("renders only what overlaps the range, spacers hold the rest", () => {
    const w = visibleWindow(keys, new Map(), 100, 0, 1000);
    expect(w).toEqual({ start: 0, end: 10, before: 0, after: 99_000 });
  });

  it("starts at the first item that reaches into the range", () => {
    const w = visibleWindow(keys, new Map(), 100, 50_050, 51_000);
    expect(w.start).toBe(500);
    expect(w.before).toBe(50_000);
    expect(w.end).toBe(510);
    expect(w.before + (w.end - w.start) * 100 + w.after).toBe(100_000);
  });

  it("uses measured heights where it has them", () => {
    const heights = new Map([["0", 500], ["1", 20]]);
    const w = visibleWindow(keys, heights, 100, 510, 700);
    expect(w.start).toBe(1);
    expect(w.before).toBe(500);
    expect(w.end).toBe(4); // 1: 500-520, 2: 520-620, 3: 620-720; 4 starts at 720
  });

  it("past the end: nothing rendered, everything above", () => {
    const w = visibleWindow(keys.slice(0, 3), new Map(), 100, 5000, 6000);
    expect(w).toEqual({ start: 3, end: 3, before: 300, after: 0 });
  });

  it("an empty list", () => {
    expect(visibleWindow([], new Map(), 100, 0, 1000)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});
