import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { get, request, upload } from "../api";
import { t } from "../i18n";
import { failed, me, remember, toast } from "../store";
import { tweetLength } from "../text";
import type { Attachment, Status } from "../types";
import { type ComposeTarget, closeCompose } from "./compose-state";
import { Avatar } from "./Status";
import { Icon } from "./icons";
import { type PollDraft, PollEditor } from "./Poll";

type Visibility = Status["visibility"];
interface Draft { key: string; file: File; preview: string; progress: number; media: Attachment | null; alt: string; error: string | null }

const limits = { characters: 500, attachments: 4, pollOptions: 4, pollOptionLength: 50 };
let limitsLoaded = false;
async function loadLimits() {
  if (limitsLoaded) return;
  limitsLoaded = true;
  try {
    const i = await get<{ configuration: { statuses: { max_characters: number; max_media_attachments: number }; polls?: { max_options: number; max_characters_per_option: number } } }>("/api/v2/instance");
    limits.characters = i.configuration.statuses.max_characters;
    limits.attachments = i.configuration.statuses.max_media_attachments;
    limits.pollOptions = i.configuration.polls?.max_options ?? limits.pollOptions;
    limits.pollOptionLength = i.configuration.polls?.max_characters_per_option ?? limits.pollOptionLength;
  } catch {
    limitsLoaded = false;
  }
}

function stripHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html.replace(/<br\s*\/?>/gi, "\n").replace(/<\/p><p>/gi, "\n\n"), "text/html");
  return doc.body.textContent ?? "";
}

export function Compose({ target, inline = false }: { target: ComposeTarget; inline?: boolean }) {
  const { replyTo, quote, edit } = target;
  const mentions = replyTo ? [replyTo.account, ...replyTo.mentions].filter((a) => a.id !== me.value?.id).map((a) => `@${a.acct} `) : [];
  const text = useSignal(edit ? stripHtml(edit.content) : [...new Set(mentions)].join(""));
  const cw = useSignal(edit?.spoiler_text ?? replyTo?.spoiler_text ?? "");
  const cwOn = useSignal(!!cw.value);
  const defaultVisibility = (me.value?.source?.privacy as Visibility | undefined) ?? "public";
  const visibility = useSignal<Visibility>(edit?.visibility ?? (replyTo && replyTo.visibility !== "public" ? replyTo.visibility : defaultVisibility));
  const sensitive = useSignal(edit?.sensitive ?? me.value?.source?.sensitive ?? false);
  const drafts = useSignal<Draft[]>(edit ? edit.media_attachments.map((m) => ({ key: m.id, file: new File([], ""), preview: m.preview_url ?? "", progress: 1, media: m, alt: m.description ?? "", error: null })) : []);
  const poll = useSignal<PollDraft | null>(null);
  const busy = useSignal(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const ready = useSignal(limitsLoaded);
  useEffect(() => {
    void loadLimits().then(() => (ready.value = true));
    area.current?.focus();
    const at = area.current?.value.length ?? 0;
    area.current?.setSelectionRange(at, at);
  }, []);
  const used = tweetLength(text.value, cwOn.value ? cw.value : "");
  const left = limits.characters - used;
  const uploading = drafts.value.some((d) => !d.media && !d.error);
  const empty = !text.value.trim() && !drafts.value.length;
  const pollIncomplete = !!poll.value && poll.value.options.filter((o) => o.trim()).length < 2;

  const setDraft = (key: string, change: Partial<Draft>) => (drafts.value = drafts.value.map((d) => (d.key === key ? { ...d, ...change } : d)));
  const addFiles = (files: FileList | null) => {
    for (const file of Array.from(files ?? []).slice(0, limits.attachments - drafts.value.length)) {
      const key = `${file.name}-${Math.random()}`;
      drafts.value = [...drafts.value, { key, file, preview: URL.createObjectURL(file), progress: 0, media: null, alt: "", error: null }];
      const form = new FormData();
      form.append("file", file);
      upload<Attachment>("/api/v2/media", form, (p) => setDraft(key, { progress: p })).then(
        (media) => setDraft(key, { media, progress: 1 }),
        (error: Error) => setDraft(key, { error: error.message }),
      );
    }
  };

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (busy.value || left < 0 || empty || uploading || pollIncomplete) return;
    busy.value = true;
    try {
      const media = drafts.value.filter((d) => d.media);
      await Promise.all(media.filter((d) => (d.media!.description ?? "") !== d.alt).map((d) => request("PUT", `/api/v1/media/${d.media!.id}`, { description: d.alt })));
      const body: Record<string, unknown> = {
        status: text.value,
        spoiler_text: cwOn.value ? cw.value : "",
        sensitive: sensitive.value || (cwOn.value && !!cw.value),
        media_ids: media.map((d) => d.media!.id),
      };
      if (poll.value) body.poll = { options: poll.value.options.map((o) => o.trim()).filter(Boolean), expires_in: poll.value.expiresIn, multiple: poll.value.multiple };
      let posted: Status;
      if (edit) posted = (await request<Status>("PUT", `/api/v1/statuses/${edit.id}`, body)).data;
      else {
        body.visibility = visibility.value;
        if (replyTo) body.in_reply_to_id = replyTo.id;
        if (quote) body.quoted_status_id = quote.id;
        posted = (await request<Status>("POST", "/api/v1/statuses", body)).data;
      }
      remember(posted);
      toast(t.compose.posted);
      text.value = "";
      cw.value = "";
      drafts.value = [];
      poll.value = null;
      if (!inline) closeCompose();
    } catch (error) {
      failed(error);
    } finally {
      busy.value = false;
    }
  };

  return (
    <form class="compose" onSubmit={submit} aria-label={t.compose.title}>
      {replyTo && <p class="context">{t.status.replyingTo(replyTo.account.acct)}</p>}
      {edit && <p class="context">{t.compose.editing}</p>}
      <div class="row">
        {me.value && <Avatar account={me.value} size={40} />}
        <div class="body">
          {cwOn.value && <input class="cw-input" value={cw.value} onInput={(e) => (cw.value = e.currentTarget.value)} placeholder={t.compose.cwPlaceholder} aria-label={t.compose.cw} />}
          <textarea
            ref={area}
            value={text.value}
            rows={inline ? 2 : 5}
            placeholder={replyTo ? t.compose.replyPlaceholder : t.compose.placeholder}
            aria-label={replyTo ? t.compose.replyPlaceholder : t.compose.placeholder}
            onInput={(e) => (text.value = e.currentTarget.value)}
            onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === "Enter" && void submit()}
            onPaste={(e) => e.clipboardData?.files.length && addFiles(e.clipboardData.files)}
          />
          {quote && <div class="quote"><b>{t.compose.quoting}</b> @{quote.account.acct}: <span dangerouslySetInnerHTML={{ __html: quote.content }} /></div>}
          {drafts.value.length > 0 && (
            <ul class="drafts">
              {drafts.value.map((d) => (
                <li key={d.key}>
                  {d.file.type.startsWith("video") ? <video src={d.preview} muted /> : <img src={d.preview} alt="" />}
                  {!d.media && !d.error && <progress max={1} value={d.progress} aria-label={t.compose.uploading(Math.round(d.progress * 100))} />}
                  {d.error && <p class="error" role="alert">{d.error}</p>}
                  <input value={d.alt} placeholder={t.compose.alt} aria-label={t.compose.alt} maxLength={1500} onInput={(e) => setDraft(d.key, { alt: e.currentTarget.value })} />
                  <button type="button" class="icon" aria-label={t.compose.remove} onClick={() => (drafts.value = drafts.value.filter((x) => x.key !== d.key))}><Icon name="close" size={16} /></button>
                </li>
              ))}
            </ul>
          )}
          {poll.value && <PollEditor draft={poll.value} change={(d) => (poll.value = d)} maxOptions={limits.pollOptions} maxLength={limits.pollOptionLength} />}
          <div class="tools">
            <input ref={fileInput} type="file" accept="image/*,video/*" multiple hidden onChange={(e) => { addFiles(e.currentTarget.files); e.currentTarget.value = ""; }} />
            <button type="button" class="icon" aria-label={t.compose.addMedia} title={t.compose.addMedia} disabled={drafts.value.length >= limits.attachments || !!poll.value} onClick={() => fileInput.current?.click()}><Icon name="image" /></button>
            {!edit && <button type="button" class={`icon${poll.value ? " on" : ""}`} aria-pressed={!!poll.value} aria-label={poll.value ? t.poll.remove : t.poll.add} title={t.poll.add} disabled={drafts.value.length > 0} onClick={() => (poll.value = poll.value ? null : { options: ["", ""], expiresIn: 86400, multiple: false })}>{t.poll.label}</button>}
            <button type="button" class={`icon${cwOn.value ? " on" : ""}`} aria-pressed={cwOn.value} aria-label={t.compose.cwButton} title={t.compose.cw} onClick={() => (cwOn.value = !cwOn.value)}>CW</button>
            {drafts.value.length > 0 && <label class="check"><input type="checkbox" checked={sensitive.value} onChange={(e) => (sensitive.value = e.currentTarget.checked)} /> {t.compose.sensitive}</label>}
            {!edit && (
              <select aria-label={t.compose.visibility} value={visibility.value} onChange={(e) => (visibility.value = e.currentTarget.value as Visibility)}>
                {(["public", "unlisted", "private", "direct"] as const).map((v) => <option value={v} key={v}>{t.status.visibility[v]}</option>)}
              </select>
            )}
            <span class={`counter${left < 0 ? " over" : left < 20 ? " near" : ""}`} aria-live="polite" aria-label={left < 0 ? t.compose.tooLong(-left) : t.compose.left(left)}>{left}</span>
            <button type="submit" class="primary" disabled={busy.value || left < 0 || empty || uploading || pollIncomplete}>{busy.value ? t.compose.posting : edit ? t.compose.save : replyTo ? t.compose.reply : t.compose.post}</button>
          </div>
        </div>
      </div>
    </form>
  );
}

export function ComposeModal({ target }: { target: ComposeTarget }) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === "Escape" && closeCompose();
    addEventListener("keydown", key);
    return () => removeEventListener("keydown", key);
  }, []);
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label={t.compose.title} onClick={(e) => e.target === e.currentTarget && closeCompose()}>
      <div class="sheet">
        <header><h2>{target.edit ? t.compose.editing : t.compose.title}</h2><button class="icon" onClick={closeCompose} aria-label={t.compose.close}><Icon name="close" /></button></header>
        <Compose target={target} />
      </div>
    </div>
  );
}
