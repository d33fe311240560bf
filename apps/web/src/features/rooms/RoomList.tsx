import type { RoomSummary } from '@tandem/protocol';
import { Link } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Button } from '../../components/Button.tsx';
import { formatWhen, plural } from '../../lib/format.ts';
import { LockIcon } from '../e2e/LockIcon.tsx';
import { unreadCount } from './roomActivity.ts';
import { roomPath } from './roomLinks.ts';
import { useRoomsQuery } from './roomsApi.ts';

/** Every room with its message count, people online and your unread count, live. */
export function RoomList() {
  // Coming back from a room must show what was read there: always ask the server afresh.
  const { data, error, isLoading, refetch } = useRoomsQuery(undefined, { refetchOnMountOrArgChange: true });
  const rooms = data?.rooms ?? [];
  return (
    <section aria-labelledby="all-rooms" className="rounded-3xl bg-surface shadow-sm ring-1 ring-slate-200">
      <div className="flex items-baseline justify-between border-b border-slate-100 px-5 py-4 sm:px-6">
        <h2 id="all-rooms" className="text-lg font-semibold text-slate-900">
          All rooms
        </h2>
        {data && <span className="text-sm text-slate-500">{plural(rooms.length, 'room')}</span>}
      </div>
      {isLoading && (
        <p role="status" className="px-6 py-10 text-center text-sm text-slate-500">
          Loading rooms…
        </p>
      )}
      {error && (
        <div role="alert" className="space-y-3 px-6 py-8 text-center">
          <p className="text-sm text-red-700">{errorMessage(error)}</p>
          <Button tone="quiet" onClick={() => refetch()}>
            Try again
          </Button>
        </div>
      )}
      {data && rooms.length === 0 && (
        <p className="px-6 py-10 text-center text-sm text-slate-500">No rooms yet. Create the first one.</p>
      )}
      {rooms.length > 0 && (
        <ul className="divide-y divide-slate-100">
          {rooms.map((room) => (
            <RoomRow key={room.id} room={room} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RoomRow({ room }: { room: RoomSummary }) {
  const unread = unreadCount(room);
  return (
    <li>
      <Link
        to={roomPath(room)}
        className="flex items-center gap-3 px-5 py-3.5 outline-none transition hover:bg-slate-50 focus-visible:bg-blue-50 focus-visible:ring-2 focus-visible:ring-blue-400 focus-visible:ring-inset sm:px-6"
      >
        <Avatar name={room.name} seed={room.id} className="size-11 text-sm" />
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-3">
            <span className="flex min-w-0 items-center gap-2">
              <span className="truncate font-semibold text-slate-900">{room.name}</span>
              {room.encrypted && <LockIcon />}
              {room.kind === 'code' && (
                <span className="shrink-0 rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-700 ring-1 ring-violet-200 ring-inset">
                  code
                </span>
              )}
            </span>
            <span className="shrink-0 text-xs text-slate-500">{formatWhen(room.lastActivityAt)}</span>
          </span>
          <span className="mt-0.5 flex items-center justify-between gap-3 text-sm text-slate-500">
            <span className="flex min-w-0 items-center gap-3">
              <span>{plural(room.messageCount, 'message')}</span>
              <span className="flex items-center gap-1.5">
                <span
                  className={`size-2 rounded-full ${room.onlineCount > 0 ? 'bg-emerald-500' : 'bg-slate-300'}`}
                  aria-hidden="true"
                />
                {room.onlineCount.toLocaleString()} online
              </span>
            </span>
            {unread !== null && unread > 0 && (
              <span className="shrink-0 rounded-full bg-blue-600 px-2 py-0.5 text-xs font-semibold text-white">
                {plural(unread, 'unread', 'unread')}
              </span>
            )}
          </span>
        </span>
      </Link>
    </li>
  );
}
