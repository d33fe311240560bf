import { formatSize } from '@tandem/client';
import { useLayoutEffect, useRef } from 'react';
import { AlertIcon, CloseIcon, FileIcon } from './icons.tsx';
import type { Draft } from './useAttachmentDrafts.ts';

type Props = {
  drafts: Draft[];
  notice?: string;
  onRemove(key: string): void;
  onRetry(key: string): void;
  /** Where the focus goes when the last file is removed with the keyboard (the message box). */
  onEmptied?(): void;
};

const percent = (draft: Draft) => (draft.size > 0 ? Math.round((draft.loaded / draft.size) * 100) : 0);

/**
 * The files chosen for the next message, above the field: each with its name, size and own
 * progress, a button that cancels (while uploading) or removes it, and what went wrong in words.
 */
export function AttachmentTray({ drafts, notice, onRemove, onRetry, onEmptied }: Props) {
  const list = useRef<HTMLUListElement>(null);
  // The row whose Remove button had the focus when it was pressed: the focus moves to the row
  // that takes its place (or the one above, or the message box), never to the page body.
  const removed = useRef<{ key: string; index: number } | null>(null);
  useLayoutEffect(() => {
    const gone = removed.current;
    if (!gone || drafts.some((draft) => draft.key === gone.key)) return;
    removed.current = null;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>('button[data-remove]') ?? [];
    const next = buttons[Math.min(gone.index, buttons.length - 1)];
    if (next) next.focus();
    else onEmptied?.();
  }, [drafts, onEmptied]);
  const remove = (key: string) => {
    const index = drafts.findIndex((draft) => draft.key === key);
    const focused = list.current?.contains(document.activeElement) ?? false;
    removed.current = focused && index >= 0 ? { key, index } : null;
    onRemove(key);
  };
  if (drafts.length === 0 && !notice) return null;
  return (
    <div className="mb-2">
      {drafts.length > 0 && (
        <ul ref={list} aria-label="Files to send" className="flex max-h-56 flex-col gap-1.5 overflow-y-auto">
          {drafts.map((draft) => (
            <li key={draft.key}>
              <DraftRow draft={draft} onRemove={remove} onRetry={onRetry} />
            </li>
          ))}
        </ul>
      )}
      {notice && (
        <p role="status" className="mt-1.5 px-1 text-xs text-amber-700">
          {notice}
        </p>
      )}
    </div>
  );
}

function DraftRow({ draft, onRemove, onRetry }: { draft: Draft } & Pick<Props, 'onRemove' | 'onRetry'>) {
  const failed = draft.status === 'failed';
  const uploading = draft.status === 'uploading';
  const progress = percent(draft);
  return (
    <div
      className={`flex items-center gap-3 rounded-2xl border px-2.5 py-2 ${
        failed ? 'border-red-200 bg-red-50' : 'border-slate-200 bg-slate-50'
      }`}
    >
      {draft.preview ? (
        <img src={draft.preview} alt="" className="size-10 shrink-0 rounded-lg object-cover" />
      ) : (
        <span
          className={`flex size-10 shrink-0 items-center justify-center rounded-lg ${
            failed ? 'bg-red-100 text-red-700' : 'bg-surface text-slate-500 ring-1 ring-slate-200'
          }`}
        >
          {failed ? <AlertIcon className="size-5" /> : <FileIcon />}
        </span>
      )}
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline gap-2">
          <span className="truncate text-sm font-medium text-slate-900">{draft.name}</span>
          <span className="shrink-0 text-xs text-slate-500">{formatSize(draft.size)}</span>
        </div>
        {failed ? (
          <p role="alert" className="text-xs leading-snug text-red-700">
            {draft.error}
          </p>
        ) : (
          <div className="mt-1 flex items-center gap-2">
            <div
              role="progressbar"
              aria-label={`Uploading ${draft.name}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={progress}
              className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200"
            >
              <div
                className={`h-full rounded-full transition-[width] duration-150 ${uploading ? 'bg-blue-500' : 'bg-emerald-500'}`}
                style={{ width: `${progress}%` }}
              />
            </div>
            <span className="w-14 shrink-0 text-right text-xs text-slate-500 tabular-nums">
              {uploading ? `${progress}%` : 'Uploaded'}
            </span>
          </div>
        )}
      </div>
      {failed && draft.retryable && (
        <button
          type="button"
          onClick={() => onRetry(draft.key)}
          aria-label={`Try ${draft.name} again`}
          className="shrink-0 rounded-full px-2 py-1 text-xs font-semibold text-blue-700 outline-none hover:bg-blue-50 focus-visible:ring-2 focus-visible:ring-blue-400"
        >
          Retry
        </button>
      )}
      <button
        type="button"
        data-remove
        onClick={() => onRemove(draft.key)}
        aria-label={uploading ? `Cancel upload of ${draft.name}` : `Remove ${draft.name}`}
        title={uploading ? 'Cancel upload' : 'Remove'}
        className="flex size-8 shrink-0 items-center justify-center rounded-full text-slate-500 outline-none hover:bg-slate-200 hover:text-slate-800 focus-visible:ring-2 focus-visible:ring-blue-400"
      >
        <CloseIcon />
      </button>
    </div>
  );
}
