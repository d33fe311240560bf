import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { initials } from '../../components/initials.ts';
import { useEscape } from '../../components/useEscape.ts';
import type { CollabStatus, Participant } from './useCodeCollab.ts';

type PresenceProps = {
  participants: Participant[];
  /** At most this many people are drawn; the rest are a "+N" that lists everyone. */
  max: number;
  /** Narrow screens: coloured initials only (the names are still read out and listed under "+N"). */
  compact: boolean;
};

/**
 * Who has the room open right now (from the editors' awareness), each in their cursor's colour.
 * It never runs off the screen: past `max` people the rest collapse into a "+N" button whose list
 * names everyone; screen readers hear every name in the list either way.
 */
export function PresenceList({ participants, max, compact }: PresenceProps) {
  const visible = participants.length > max ? Math.max(1, max - 1) : participants.length;
  const hidden = participants.length - visible;
  return (
    <div className="flex min-w-0 items-center gap-1.5">
      <ul aria-label="Here now" className={`flex min-w-0 items-center ${compact ? 'gap-1' : 'gap-1.5'}`}>
        {participants.map((p, index) => (
          <li
            key={p.id}
            title={compact && index < visible ? `${p.name}${p.self ? ' (you)' : ''}` : undefined}
            className={
              index >= visible
                ? 'sr-only'
                : compact
                  ? 'flex shrink-0 rounded-full'
                  : 'flex min-w-0 shrink items-center gap-1.5 rounded-full bg-surface py-0.5 pr-2.5 pl-0.5 text-sm ring-1 ring-slate-200'
            }
          >
            <PersonDot participant={p} />
            <span className={compact ? 'sr-only' : 'max-w-24 truncate font-medium text-slate-800 sm:max-w-40'}>
              {p.name}
              {p.self && <span className="font-normal text-slate-500"> (you)</span>}
            </span>
          </li>
        ))}
      </ul>
      {hidden > 0 && <EveryoneHere participants={participants} hidden={hidden} />}
    </div>
  );
}

function PersonDot({ participant }: { participant: Participant }) {
  return (
    <span
      aria-hidden="true"
      className="flex size-6 shrink-0 items-center justify-center rounded-full text-[11px] font-semibold text-white"
      style={{ backgroundColor: participant.color }}
    >
      {initials(participant.name)}
    </span>
  );
}

/** "+N": opens the list of everyone in the room; Escape, the button again or a click elsewhere closes it. */
function EveryoneHere({ participants, hidden }: { participants: Participant[]; hidden: number }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    button.current?.focus();
  }, []);
  useEscape(open, close);
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);
  return (
    <div ref={root} className="relative shrink-0">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={`${id}-everyone`}
        onClick={() => setOpen((was) => !was)}
        className="flex h-7 min-w-7 items-center justify-center rounded-full bg-slate-200 px-1.5 text-xs font-semibold text-slate-700 outline-none hover:bg-slate-300 focus-visible:ring-4 focus-visible:ring-blue-300"
      >
        +{hidden}
        <span className="sr-only"> more: everyone here</span>
      </button>
      {open && (
        <div
          id={`${id}-everyone`}
          className="absolute top-full left-0 z-20 mt-1.5 w-60 max-w-[calc(100vw-1.5rem)] rounded-xl bg-surface p-2 shadow-lg ring-1 ring-slate-200"
        >
          <ul aria-label="Everyone here" className="max-h-72 space-y-1 overflow-y-auto">
            {participants.map((p) => (
              <li key={p.id} className="flex min-w-0 items-center gap-2 rounded-lg px-1.5 py-1 text-sm">
                <PersonDot participant={p} />
                <span className="min-w-0 truncate font-medium text-slate-800">
                  {p.name}
                  {p.self && <span className="font-normal text-slate-500"> (you)</span>}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

type Status = { status: CollabStatus; synced: boolean; refused: string | null };

/** The shared document's connection, in words: edits made offline are kept and merge on return. */
export function connectionLabel({ status, synced, refused }: Status): { text: string; tone: 'ok' | 'wait' | 'bad' } {
  if (refused) return { text: 'Access refused', tone: 'bad' };
  if (status === 'connected' && synced) return { text: 'Live', tone: 'ok' };
  if (!synced) return { text: 'Connecting…', tone: 'wait' };
  return { text: 'Reconnecting… your edits are kept', tone: 'wait' };
}

const tones = {
  ok: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  wait: 'bg-amber-50 text-amber-900 ring-amber-200',
  bad: 'bg-red-50 text-red-800 ring-red-200',
} as const;

const dots = { ok: 'bg-emerald-500', wait: 'bg-amber-500 animate-pulse', bad: 'bg-red-500' } as const;

export function ConnectionStatus(props: Status) {
  const { text, tone } = connectionLabel(props);
  return (
    <p
      role="status"
      className={`flex shrink-0 items-center gap-1.5 rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}
    >
      <span className={`size-2 rounded-full ${dots[tone]}`} aria-hidden="true" />
      <span className="max-w-40 truncate sm:max-w-none">
        <span className="sr-only">Connection: </span>
        {text}
      </span>
    </p>
  );
}
