import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { t } from "../i18n";
import type { Attachment } from "../types";
import { Icon } from "./icons";

const shown = signal<{ items: Attachment[]; index: number } | null>(null);

export function openLightbox(items: Attachment[], index: number) {
  shown.value = { items: items.filter((m) => m.type === "image"), index: items.filter((m) => m.type === "image").indexOf(items[index]!) };
}

export function Lightbox() {
  const value = shown.value;
  useEffect(() => {
    if (!value) return;
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") shown.value = null;
      if (e.key === "ArrowRight") step(1);
      if (e.key === "ArrowLeft") step(-1);
    };
    addEventListener("keydown", key);
    return () => removeEventListener("keydown", key);
  }, [value]);
  if (!value) return null;
  const item = value.items[Math.max(0, value.index)];
  if (!item) return null;
  const step = (d: number) => (shown.value = { ...value, index: (value.index + d + value.items.length) % value.items.length });
  return (
    <div class="lightbox" role="dialog" aria-modal="true" aria-label={t.lightbox.label} onClick={(e) => e.target === e.currentTarget && (shown.value = null)}>
      <img src={item.url ?? ""} alt={item.description ?? ""} />
      {item.description && <p class="alt">{item.description}</p>}
      <button class="icon close" autoFocus onClick={() => (shown.value = null)} aria-label={t.lightbox.close}><Icon name="close" size={24} /></button>
      {value.items.length > 1 && <><button class="icon prev" onClick={() => step(-1)} aria-label={t.lightbox.prev}>‹</button><button class="icon next" onClick={() => step(1)} aria-label={t.lightbox.next}>›</button></>}
    </div>
  );
}
