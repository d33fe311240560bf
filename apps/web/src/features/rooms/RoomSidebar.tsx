import { Link } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Logo } from '../../components/Logo.tsx';
import { LockIcon } from '../e2e/LockIcon.tsx';
import { ThemeSelect } from '../theme/ThemeSelect.tsx';
import { unreadCount } from './roomActivity.ts';
import { roomPath } from './roomLinks.ts';
import { useRoomsQuery } from './roomsApi.ts';

/** On wide screens the chat page keeps every room in reach, with live unread counts, and the theme. */
export function RoomSidebar({ activeRoomId }: { activeRoomId: string }) {
  const { data, error } = useRoomsQuery();
  return (
    <nav aria-label="Rooms" className="flex h-full flex-col">
      <div className="flex h-14 shrink-0 items-center gap-2 border-b border-slate-200 px-4">
        <Logo className="size-7" />
        <span className="text-lg font-bold tracking-tight">Tandem</span>
        <Link
          to="/lobby"
          className="ml-auto rounded-lg px-2 py-1 text-sm font-medium text-blue-700 outline-none hover:bg-blue-50 focus-visible:ring-2 focus-visible:ring-blue-400"
        >
          All rooms
        </Link>
      </div>
      {error && (
        <p role="alert" className="p-4 text-sm text-red-700">
          {errorMessage(error)}
        </p>
      )}
      <ul className="flex-1 space-y-0.5 overflow-y-auto p-2">
        {data?.rooms.map((room) => {
          const active = room.id === activeRoomId;
          // The open room is being read right now; its count is stale until the list is fetched again.
          const unread = active ? null : unreadCount(room);
          return (
            <li key={room.id}>
              <Link
                to={roomPath(room)}
                aria-current={active ? 'page' : undefined}
                className={`flex items-center gap-3 rounded-xl px-2.5 py-2 outline-none transition focus-visible:ring-2 focus-visible:ring-blue-400 ${
                  active ? 'bg-blue-50' : 'hover:bg-slate-100'
                }`}
              >
                <Avatar name={room.name} seed={room.id} className="size-9 text-xs" />
                <span className="min-w-0 flex-1">
                  <span
                    className={`block truncate text-sm font-semibold ${active ? 'text-blue-700' : 'text-slate-900'}`}
                  >
                    {room.name}
                    {room.encrypted && <LockIcon className="ml-1 inline size-3.5 align-[-2px]" />}
                  </span>
                  <span className={`block text-xs ${active ? 'text-slate-600' : 'text-slate-500'}`}>
                    {room.onlineCount.toLocaleString()} online
                  </span>
                </span>
                {unread !== null && unread > 0 && (
                  <span className="rounded-full bg-blue-600 px-2 py-0.5 text-xs font-semibold text-white">
                    {unread.toLocaleString()}
                    <span className="sr-only"> unread</span>
                  </span>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="shrink-0 border-t border-slate-200 px-4 py-2.5 text-sm">
        <ThemeSelect />
      </div>
    </nav>
  );
}
