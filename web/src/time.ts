import { t } from "./i18n";

/** "5m", "3h", "2d", then a date: as timelines show it. */
export function relativeTime(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 5) return t.time.now;
  if (s < 60) return t.time.s(s);
  if (s < 3600) return t.time.m(Math.floor(s / 60));
  if (s < 86400) return t.time.h(Math.floor(s / 3600));
  if (s < 7 * 86400) return t.time.d(Math.floor(s / 86400));
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: new Date(iso).getFullYear() === new Date(now).getFullYear() ? undefined : "numeric" });
}

/** How long until `iso` (a poll's end), in the same short words. */
export function timeLeft(iso: string, now = Date.now()): string {
  return relativeTime(new Date(now - Math.max(0, Date.parse(iso) - now)).toISOString(), now);
}
