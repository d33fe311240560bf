import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Logo } from './Logo.tsx';

/**
 * The frame of the sign-in, register and join pages: the brand on top, one card below it. The
 * card starts at the same height on every page (not centred vertically), so going from "Sign in"
 * to "Create an account" does not make the brand and the card jump.
 */
export function CenteredLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col items-center bg-slate-50 px-4 py-10 sm:pt-[12vh]">
      <Link
        to="/"
        className="mb-8 flex items-center gap-2.5 rounded-lg text-xl font-bold tracking-tight text-slate-900 outline-none focus-visible:ring-4 focus-visible:ring-blue-300"
      >
        <Logo />
        Tandem
      </Link>
      <main className="w-full max-w-sm rounded-3xl bg-surface p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
        {children}
      </main>
    </div>
  );
}

export const linkClass =
  'font-semibold text-blue-700 underline-offset-4 rounded hover:underline outline-none focus-visible:ring-4 focus-visible:ring-blue-300';
