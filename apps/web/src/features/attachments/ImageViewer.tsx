import { formatSize } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
import { useModalDialog } from '../../components/useModalDialog.ts';
import { CloseIcon, DownloadIcon } from './icons.tsx';

/**
 * An image at full size over the page: a modal dialog that Escape, the close button or a click
 * beside the picture closes. Focus stays inside while it is open and goes back where it was.
 */
export function ImageViewer({ image, onClose }: { image: Attachment; onClose(): void }) {
  const titleId = useId();
  const dialog = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  useModalDialog(dialog, { onClose, initialFocus: closeButton });

  useEffect(() => {
    // The page behind does not scroll while the picture is shown.
    const overflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    return () => {
      document.body.style.overflow = overflow;
    };
  }, []);

  return createPortal(
    <div
      ref={dialog}
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      className="fixed inset-0 z-50 flex flex-col bg-slate-950/90"
    >
      {/* Opaque, so the page's own header does not show through behind the picture's name. */}
      <div className="flex shrink-0 items-center gap-2 bg-slate-950 px-3 py-2 text-white sm:px-5">
        <div className="min-w-0 flex-1">
          <h2 id={titleId} className="truncate text-sm font-semibold">
            {image.name}
          </h2>
          <p className="text-xs text-white/80">{formatSize(image.size)}</p>
        </div>
        <a
          href={image.url}
          download={image.name}
          className="flex h-10 items-center gap-1.5 rounded-full px-3 text-sm font-medium text-white outline-none hover:bg-white/10 focus-visible:ring-2 focus-visible:ring-white"
        >
          <DownloadIcon className="size-5" />
          Download
        </a>
        <button
          ref={closeButton}
          type="button"
          onClick={onClose}
          aria-label="Close"
          className="flex size-10 items-center justify-center rounded-full text-white outline-none hover:bg-white/10 focus-visible:ring-2 focus-visible:ring-white"
        >
          <CloseIcon className="size-6" />
        </button>
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a click beside the picture is a mouse shortcut; Escape and the Close button are the keyboard's way. */}
      <div
        className="flex min-h-0 flex-1 items-center justify-center p-3 sm:p-8"
        onClick={(event) => {
          if (event.target === event.currentTarget) onClose();
        }}
      >
        <img src={image.url} alt={image.name} className="max-h-full max-w-full rounded-lg object-contain shadow-2xl" />
      </div>
    </div>,
    document.body,
  );
}
