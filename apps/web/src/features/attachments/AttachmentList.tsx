import { fileKind, formatSize, isImage } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { type MouseEvent, useCallback, useRef, useState } from 'react';
import { ImageViewer } from './ImageViewer.tsx';
import { DownloadIcon, FileIcon } from './icons.tsx';

/**
 * A message's files inside its bubble: images as thumbnails that open full size, every other
 * file as a chip that downloads it under its original name. `own` picks the blue bubble's colours.
 */
export function AttachmentList({ attachments, own }: { attachments: readonly Attachment[]; own: boolean }) {
  const images = attachments.filter(isImage);
  const files = attachments.filter((a) => !isImage(a));
  const [open, setOpen] = useState<Attachment | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const close = useCallback(() => {
    setOpen(null);
    opener.current?.focus();
  }, []);

  const onThumbnail = (event: MouseEvent<HTMLAnchorElement>, image: Attachment) => {
    // Ctrl/⌘/Shift/middle click keep the browser's own "open in a new tab or window".
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    opener.current = event.currentTarget;
    setOpen(image);
  };

  return (
    <div className="flex w-64 max-w-full flex-col gap-1">
      {images.length > 0 && (
        <ul aria-label="Images" className={`grid gap-1 ${images.length === 1 ? 'grid-cols-1' : 'grid-cols-2'}`}>
          {images.map((image) => (
            <li key={image.id}>
              <a
                href={image.url}
                target="_blank"
                rel="noopener"
                onClick={(event) => onThumbnail(event, image)}
                className={`block overflow-hidden rounded-xl outline-none focus-visible:ring-4 ${
                  own ? 'bg-blue-500 focus-visible:ring-blue-200' : 'bg-slate-200 focus-visible:ring-blue-300'
                }`}
              >
                <img
                  src={image.url}
                  alt={image.name}
                  loading="lazy"
                  decoding="async"
                  // A fixed shape: the list does not jump when the picture arrives.
                  className={`block w-full object-cover ${images.length === 1 ? 'aspect-[4/3]' : 'aspect-square'}`}
                />
              </a>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul aria-label="Files" className="flex flex-col gap-1">
          {files.map((file) => (
            <li key={file.id}>
              <FileChip file={file} own={own} />
            </li>
          ))}
        </ul>
      )}
      {open && <ImageViewer image={open} onClose={close} />}
    </div>
  );
}

/** Up to four letters on the icon: the file's extension when it has a short one, else its kind. */
function badge(name: string, kind: string): string {
  const ext = name.includes('.') ? (name.split('.').pop() ?? '') : '';
  const text = /^[a-z0-9]{1,4}$/i.test(ext) ? ext : kind;
  return text.slice(0, 4).toUpperCase();
}

function FileChip({ file, own }: { file: Attachment; own: boolean }) {
  const kind = fileKind(file);
  const size = formatSize(file.size);
  return (
    <a
      href={file.url}
      download={file.name}
      // Said in one breath; the parts below are laid out as blocks, which names do not always space.
      // The name and size come first, in the order they are seen (WCAG 2.5.3, label in name).
      aria-label={`${file.name}, ${size}, ${kind}, download`}
      className={`group flex items-center gap-2.5 rounded-xl px-2.5 py-2 no-underline outline-none transition focus-visible:ring-4 ${
        own
          ? 'bg-black/15 text-white hover:bg-black/25 focus-visible:ring-blue-200'
          : 'bg-surface text-slate-900 ring-1 ring-slate-200 hover:bg-slate-50 focus-visible:ring-blue-300'
      }`}
    >
      <span
        className={`relative flex size-10 shrink-0 items-center justify-center rounded-lg ${
          own ? 'bg-white/20 text-white' : kind === 'PDF' ? 'bg-red-50 text-red-700' : 'bg-blue-50 text-blue-700'
        }`}
      >
        <FileIcon className="size-6" />
        <span
          // Drawn from an attribute, not a text node: a decoration, not part of the link's visible text,
          // which must read as its name (WCAG 2.5.3).
          data-badge={badge(file.name, kind)}
          className={`absolute -bottom-0.5 rounded px-0.5 text-[9px] leading-tight font-bold tracking-wide before:content-[attr(data-badge)] ${
            own ? 'bg-surface text-blue-700' : kind === 'PDF' ? 'bg-red-600 text-white' : 'bg-blue-600 text-white'
          }`}
          aria-hidden="true"
        />
      </span>
      <span className="min-w-0 flex-1">
        <span className="block truncate text-sm leading-snug font-medium">{file.name}</span>{' '}
        <span className={`block text-xs ${own ? 'text-white/90' : 'text-slate-500'}`}>{size}</span>
      </span>
      <DownloadIcon
        className={`size-5 shrink-0 ${own ? 'text-white/90' : 'text-slate-500 group-hover:text-slate-700'}`}
      />
    </a>
  );
}
