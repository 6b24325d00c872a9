import { signal } from "@preact/signals";

// A small history router: the URL is the state. Links to app pages are followed in place;
// anything else (the live watch page, the consent page) is a normal navigation.

export const route = signal<URL>(new URL(location.href));

const APP_PREFIXES = ["/home", "/notifications", "/search", "/explore", "/bookmarks", "/favourites", "/settings", "/compose", "/@", "/tags/", "/live-now", "/login", "/signup", "/follow_requests", "/lists"];

export function isAppPath(path: string): boolean {
  return path === "/" || /^\/live\/\d+$/.test(path) || APP_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith("/") || p === "/@" ? p : p + "/") || path.startsWith(p + "?"));
}

export function navigate(to: string, replace = false): void {
  const url = new URL(to, location.origin);
  if (replace) history.replaceState(null, "", url);
  else {
    history.pushState({ y: 0 }, "", url);
    scrollTo(0, 0);
  }
  route.value = url;
}

addEventListener("popstate", () => (route.value = new URL(location.href)));

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = (event.target as Element | null)?.closest?.("a");
  if (!a || a.target || a.hasAttribute("download") || a.hasAttribute("data-public")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
