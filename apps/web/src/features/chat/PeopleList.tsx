import type { Member, PublicUser } from '@tandem/protocol';
import { useAppSelector } from '../../app/hooks.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { displayName } from '../auth/authSlice.ts';
import { selectIsOnline } from '../connection/connectionSlice.ts';

export type Person = { user: PublicUser; online: boolean };

/** Members (from the server) and whoever is present (from the socket), online first, then by name. */
export function people(members: readonly Member[], present: readonly PublicUser[]): Person[] {
  const online = new Set(present.map((u) => u.id));
  const byId = new Map<string, PublicUser>(members.map((m) => [m.user.id, m.user]));
  for (const user of present) byId.set(user.id, user);
  return [...byId.values()]
    .map((user) => ({ user, online: online.has(user.id) }))
    .sort((a, b) => Number(b.online) - Number(a.online) || displayName(a.user).localeCompare(displayName(b.user)));
}

export function PeopleList({
  people,
  myId,
  safetyCodes,
}: {
  people: Person[];
  myId: string;
  /** Encrypted rooms: per member, the code(s) to compare with them out of band (one per device). */
  safetyCodes?: ReadonlyMap<string, string[]>;
}) {
  // The server's presence list still holds us while our socket is down; say what is true.
  const connected = useAppSelector(selectIsOnline);
  return (
    <ul className="space-y-1">
      {people.map(({ user, online: listed }) => {
        const me = user.id === myId;
        const online = me ? connected && listed : listed;
        return (
          <li key={user.id} className="flex items-center gap-3 rounded-xl px-2 py-1.5">
            <span className="relative">
              <Avatar name={displayName(user)} seed={user.id} className="size-9 text-xs" />
              <span
                className={`absolute -right-0.5 -bottom-0.5 size-3 rounded-full ring-2 ring-surface ${online ? 'bg-emerald-500' : 'bg-slate-300'}`}
                aria-hidden="true"
              />
            </span>
            <span className="min-w-0 flex-1">
              <span className="block truncate text-sm font-medium text-slate-900">
                {displayName(user)}
                {me && <span className="font-normal text-slate-500"> (you)</span>}
              </span>
              <span className={`block text-xs ${online ? 'text-emerald-700' : 'text-slate-500'}`}>
                {online ? 'Online' : me && !connected ? 'Offline · reconnecting…' : 'Offline'}
                {user.guest && ' · guest'}
              </span>
              {!me &&
                safetyCodes?.get(user.id)?.map((code) => (
                  <details key={code} className="mt-1 text-xs text-slate-600">
                    <summary className="cursor-pointer select-none">
                      Safety code<span className="sr-only"> with {displayName(user)}</span>
                    </summary>
                    <code className="mt-1 block font-mono leading-5 break-words">{code}</code>
                  </details>
                ))}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
