import { useSignal } from "@preact/signals";
import { post } from "../api";
import { t } from "../i18n";
import { failed, me, remember } from "../store";
import { timeLeft } from "../time";
import type { Poll, Status } from "../types";

/** A tweet's poll: the choices until you vote (or it ends, or it is yours), then the results. */
export function PollView({ status }: { status: Status }) {
  const poll = status.poll!;
  const chosen = useSignal<number[]>([]);
  const busy = useSignal(false);
  const mine = me.value?.id === status.account.id;
  const results = poll.expired || poll.voted || mine;
  const total = poll.multiple ? (poll.voters_count ?? poll.votes_count) : poll.votes_count;
  const vote = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    try {
      const answer = await post<Poll>(`/api/v1/polls/${poll.id}/votes`, { choices: chosen.value.map(String) });
      remember({ ...status, poll: answer });
    } catch (error) {
      failed(error);
    } finally {
      busy.value = false;
    }
  };
  const footer = (
    <p class="muted poll-meta">
      {t.poll.voters(total)} · {poll.expired ? t.poll.closed : poll.expires_at ? t.poll.endsIn(timeLeft(poll.expires_at)) : t.poll.open}
    </p>
  );
  if (results) {
    return (
      <div class="poll">
        <ul>
          {poll.options.map((o, i) => {
            const share = total ? Math.round(((o.votes_count ?? 0) / total) * 100) : 0;
            return (
              <li key={i} class={poll.own_votes?.includes(i) ? "own" : undefined}>
                <span class="bar" style={{ width: `${share}%` }} aria-hidden="true" />
                <span class="label"><b>{share}%</b> {o.title}{poll.own_votes?.includes(i) && <span class="muted"> ({t.poll.yourVote})</span>}</span>
              </li>
            );
          })}
        </ul>
        {footer}
      </div>
    );
  }
  return (
    <form class="poll" onSubmit={vote} onClick={(e) => e.stopPropagation()}>
      <fieldset>
        <legend class="visually-hidden">{t.poll.label}</legend>
        {poll.options.map((o, i) => (
          <label key={i} class="check">
            <input
              type={poll.multiple ? "checkbox" : "radio"}
              name={`poll-${poll.id}`}
              checked={chosen.value.includes(i)}
              onChange={(e) => (chosen.value = e.currentTarget.checked ? (poll.multiple ? [...chosen.value, i] : [i]) : chosen.value.filter((x) => x !== i))}
            /> {o.title}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={busy.value || chosen.value.length === 0}>{t.poll.vote}</button>
      {footer}
    </form>
  );
}

export interface PollDraft { options: string[]; expiresIn: number; multiple: boolean }

export const DURATIONS: [number, string][] = [[300, "5m"], [1800, "30m"], [3600, "1h"], [21600, "6h"], [86400, "1d"], [259200, "3d"], [604800, "7d"]];

/** The poll part of the compose box. */
export function PollEditor({ draft, change, maxOptions, maxLength }: { draft: PollDraft; change: (d: PollDraft) => void; maxOptions: number; maxLength: number }) {
  return (
    <fieldset class="poll-editor">
      <legend>{t.poll.label}</legend>
      {draft.options.map((o, i) => (
        <div class="field-row" key={i}>
          <input value={o} maxLength={maxLength} placeholder={t.poll.option(i + 1)} aria-label={t.poll.option(i + 1)} onInput={(e) => change({ ...draft, options: draft.options.map((x, j) => (j === i ? e.currentTarget.value : x)) })} />
          {draft.options.length > 2 && <button type="button" class="icon" aria-label={t.poll.removeOption(i + 1)} onClick={() => change({ ...draft, options: draft.options.filter((_, j) => j !== i) })}>×</button>}
        </div>
      ))}
      {draft.options.length < maxOptions && <button type="button" class="link" onClick={() => change({ ...draft, options: [...draft.options, ""] })}>{t.poll.addOption}</button>}
      <div class="field-row">
        <select aria-label={t.poll.duration} value={String(draft.expiresIn)} onChange={(e) => change({ ...draft, expiresIn: Number(e.currentTarget.value) })}>
          {DURATIONS.map(([s, label]) => <option key={s} value={String(s)}>{label}</option>)}
        </select>
        <label class="check"><input type="checkbox" checked={draft.multiple} onChange={(e) => change({ ...draft, multiple: e.currentTarget.checked })} /> {t.poll.multiple}</label>
      </div>
    </fieldset>
  );
}
