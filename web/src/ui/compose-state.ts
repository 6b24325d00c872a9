import { signal } from "@preact/signals";
import type { Status } from "../types";

export interface ComposeTarget { replyTo?: Status; quote?: Status; edit?: Status }
export const composing = signal<ComposeTarget | null>(null);

export function openCompose(target: ComposeTarget = {}): void {
  composing.value = target;
}
export function closeCompose(): void {
  composing.value = null;
}
