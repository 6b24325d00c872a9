// Line icons drawn for Chirp (24×24, stroke = currentColor): no icon font, no emoji that a
// system may lack.
const PATHS = {
  home: "M3 11l9-8 9 8v10h-6v-6H9v6H3z",
  hash: "M5 9h15M4 15h15M10 3L8 21M16 3l-2 18",
  list: "M8 6h13M8 12h13M8 18h13M3 6h1M3 12h1M3 18h1",
  bell: "M6 17V11a6 6 0 0 1 12 0v6l2 2H4zM10 21h4",
  search: "M11 4a7 7 0 1 1 0 14 7 7 0 0 1 0-14zM16 16l5 5",
  bookmark: "M6 3h12v18l-6-4-6 4z",
  heart: "M12 20s-8-5-8-11a4.5 4.5 0 0 1 8-2.8A4.5 4.5 0 0 1 20 9c0 6-8 11-8 11z",
  live: "M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6zM6.3 6.3a8 8 0 0 0 0 11.4M17.7 6.3a8 8 0 0 1 0 11.4",
  user: "M12 4a4 4 0 1 1 0 8 4 4 0 0 1 0-8zM4 21a8 8 0 0 1 16 0",
  settings: "M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1",
  reply: "M4 5h16v11H9l-5 4z",
  retweet: "M7 7h11v6M18 13l-3-3M18 13l3-3M17 17H6v-6M6 11l-3 3M6 11l3 3",
  quote: "M4 6h16v10H8l-4 4zM8 10h8M8 13h5",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  image: "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9h.01",
  compose: "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
  close: "M6 6l12 12M18 6L6 18",
  logo: "M4 17c5 1 10-1 12-6l4-3-3-.5C15 4 11 5 10 8c-3 0-5-1-7-3 0 4 2 6 4 7-1 0-2 0-3-.5 0 2 2 4 4 4.5-1 .6-3 1-4 1z",
  lock: "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
  pin: "M9 3h6l-1 6 3 3H7l3-3zM12 12v9",
};

export type IconName = keyof typeof PATHS;

export function Icon({ name, filled = false, size = 20 }: { name: IconName; filled?: boolean; size?: number }) {
  return (
    <svg class="i" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" fill={filled ? "currentColor" : "none"} stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={PATHS[name]} />
    </svg>
  );
}
