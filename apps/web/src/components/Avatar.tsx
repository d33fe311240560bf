import { initials } from './initials.ts';

const COLORS = [
  'bg-rose-100 text-rose-700',
  'bg-amber-100 text-amber-800',
  'bg-emerald-100 text-emerald-700',
  'bg-sky-100 text-sky-700',
  'bg-violet-100 text-violet-700',
  'bg-fuchsia-100 text-fuchsia-700',
  'bg-teal-100 text-teal-700',
  'bg-indigo-100 text-indigo-700',
];

/** The same name always gets the same colour, so people are easy to tell apart at a glance. */
function colorFor(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return COLORS[hash % COLORS.length] ?? 'bg-slate-100 text-slate-700';
}

/** Initials in a coloured circle. Decorative: the name is always written next to it. */
export function Avatar({
  name,
  seed = name,
  className = 'size-10 text-sm',
}: {
  name: string;
  seed?: string;
  className?: string;
}) {
  return (
    <span
      aria-hidden="true"
      className={`inline-flex shrink-0 items-center justify-center rounded-full font-semibold ${colorFor(seed)} ${className}`}
    >
      {initials(name)}
    </span>
  );
}
