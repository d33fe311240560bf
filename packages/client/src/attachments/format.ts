import type { Attachment } from '@tandem/protocol';

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/**
 * A file size as people read it: "512 bytes", "48 KB", "1.5 MB". In binary units (1 KB = 1,024
 * bytes), the ones the server states its limits in, so a file shown as "26 MB" is over a "25 MB"
 * limit and one shown as "25 MB" is not. `locale` is only passed by tests.
 */
export function formatSize(bytes: number, locale?: string): string {
  if (bytes < 1024) return `${bytes.toLocaleString(locale)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1023.5 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 9.95 ? 1 : 0;
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return `${number} ${UNITS[unit]}`;
}

/**
 * Types the server shows in place (and a browser draws in an <img>). SVG is not one of them: the
 * server sends it as a download, so it gets a file chip like any other file.
 */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

export const isImage = (file: { contentType: string } | { type: string }) =>
  IMAGE_TYPES.has('contentType' in file ? file.contentType : file.type);

/** What kind of file it is, in a word or two, for the chip's icon and for screen readers. */
export function fileKind(attachment: Pick<Attachment, 'contentType' | 'name'>): string {
  const type = attachment.contentType;
  const ext = attachment.name.includes('.') ? (attachment.name.split('.').pop() ?? '').toLowerCase() : '';
  if (type === 'application/pdf' || ext === 'pdf') return 'PDF';
  if (type.startsWith('image/')) return 'Image';
  if (type.startsWith('audio/')) return 'Audio';
  if (type.startsWith('video/')) return 'Video';
  if (type.startsWith('text/') || ext === 'txt' || ext === 'md') return 'Text';
  if (['zip', 'gz', 'tgz', '7z', 'rar', 'tar'].includes(ext)) return 'Archive';
  return ext && ext.length <= 5 ? ext.toUpperCase() : 'File';
}
