import { PaperclipIcon } from './icons.tsx';

/** Shown over the conversation while files are dragged onto it. */
export function DropOverlay() {
  return (
    <div className="pointer-events-none absolute inset-2 z-30 flex flex-col items-center justify-center gap-2 rounded-3xl border-2 border-dashed border-blue-400 bg-blue-50/90 text-blue-700">
      <PaperclipIcon className="size-8" />
      <p className="text-base font-semibold">Drop files to attach them</p>
      <p className="text-sm text-blue-700">They upload at once and go with your next message.</p>
    </div>
  );
}
