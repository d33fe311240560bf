import { initials } from '../../components/initials.ts';
import type { CollabStatus, Participant } from './useCodeCollab.ts';

/** Who has the room open right now (from the editors' awareness), each in their cursor's colour. */
export function PresenceList({ participants }: { participants: Participant[] }) {
  return (
    <ul aria-label="Here now" className="flex min-w-0 items-center gap-1.5 overflow-x-auto">
      {participants.map((p) => (
        <li
          key={p.id}
          className="flex shrink-0 items-center gap-1.5 rounded-full bg-white py-0.5 pr-2.5 pl-0.5 text-sm ring-1 ring-slate-200"
        >
          <span
            aria-hidden="true"
            className="flex size-6 items-center justify-center rounded-full text-[11px] font-semibold text-white"
            style={{ backgroundColor: p.color }}
          >
            {initials(p.name)}
          </span>
          <span className="max-w-24 truncate font-medium text-slate-800 sm:max-w-40">
            {p.name}
            {p.self && <span className="font-normal text-slate-500"> (you)</span>}
          </span>
        </li>
      ))}
    </ul>
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
