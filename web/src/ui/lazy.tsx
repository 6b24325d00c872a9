import { signal } from "@preact/signals";
import type { ComponentType } from "preact";
import { t } from "../i18n";

/**
 * A screen in its own chunk, fetched the first time it is shown (Vite splits at the dynamic
 * import): what the first screen does not need stays out of the initial JavaScript.
 */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<void> | null = null;
  const ready = signal(false);
  const failed = signal(false);
  return (props: P) => {
    if (loaded) {
      const Screen = loaded;
      return <Screen {...props} />;
    }
    pending ??= load().then(
      (c) => {
        loaded = c;
        ready.value = true;
      },
      () => {
        pending = null;
        failed.value = true;
      },
    );
    return failed.value ? <p class="empty" role="alert">{t.errors.offline}</p> : ready.value ? null : <p class="muted loading">{t.feed.loading}</p>;
  };
}
