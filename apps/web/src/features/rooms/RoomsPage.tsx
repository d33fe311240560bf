import { Link } from 'react-router';
import { Logo } from '../../components/Logo.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { AccountBar } from '../auth/AccountBar.tsx';
import { ConnectionBanner } from '../connection/ConnectionBanner.tsx';
import { CreateRoomForm } from './CreateRoomForm.tsx';
import { JoinRoomForm } from './JoinRoomForm.tsx';
import { NewCodeRoom } from './NewCodeRoom.tsx';
import { RoomList } from './RoomList.tsx';

/** Seed 000's front page (create or join) beside seed 003's live room list. */
export function RoomsPage() {
  useDocumentTitle('Rooms');
  return (
    <div className="min-h-dvh bg-slate-50">
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-surface/90 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-5xl items-center justify-between gap-4 px-4">
          <Link
            to="/lobby"
            className="flex items-center gap-2 rounded-lg text-lg font-bold tracking-tight outline-none focus-visible:ring-4 focus-visible:ring-blue-300"
          >
            <Logo className="size-7" />
            Tandem
          </Link>
          <AccountBar />
        </div>
        <ConnectionBanner />
      </header>
      <main className="mx-auto max-w-5xl px-4 py-6 sm:py-8">
        <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Rooms</PageHeading>
        <p className="mt-1 text-sm text-slate-500">
          Create a room, join one by its name, or start a code room to pair on.
        </p>
        {/* The rooms first, then the forms, in the page's order as on screen: on a phone the list
            is what a person comes back for, and it is not pushed below three forms. */}
        <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:items-start">
          <RoomList />
          <div className="space-y-6 rounded-3xl bg-surface p-5 shadow-sm ring-1 ring-slate-200 sm:p-6">
            <CreateRoomForm />
            <JoinRoomForm />
            <div className="border-t border-slate-100 pt-5">
              <NewCodeRoom />
            </div>
          </div>
        </div>
      </main>
    </div>
  );
}
