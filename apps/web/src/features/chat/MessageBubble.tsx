import type { PendingMessage } from '@tandem/client';
import type { Attachment, Message } from '@tandem/protocol';
import type { ReactNode } from 'react';
import { formatTime } from '../../lib/format.ts';
import { AttachmentList } from '../attachments/AttachmentList.tsx';
import { displayName } from '../auth/authSlice.ts';
import { MessageText } from './MessageText.tsx';

const bubble = 'max-w-[80%] rounded-2xl text-[15px] leading-snug sm:max-w-md';
const text = 'whitespace-pre-wrap break-words';

/**
 * The bubble itself: text alone is padded as before; with files the files fill it edge to edge
 * (images as thumbnails, other files as chips) and the text, if any, follows below them.
 */
function Bubble({
  sender,
  body,
  attachments,
  own,
  className,
  aside,
}: {
  sender: string;
  body: string;
  attachments: readonly Attachment[];
  own: boolean;
  className: string;
  /** Shown beside the bubble (a time revealed on hover), positioned against it. */
  aside?: ReactNode;
}) {
  const label = <span className="sr-only">{sender}: </span>;
  if (attachments.length === 0) {
    return (
      <p className={`${bubble} ${text} relative px-3.5 py-2 ${className}`}>
        {label}
        <MessageText text={body} />
        {aside}
      </p>
    );
  }
  return (
    <div className={`${bubble} relative flex flex-col p-1 ${className}`}>
      {label}
      <AttachmentList attachments={attachments} own={own} />
      {body && (
        <p className={`${text} w-64 max-w-full px-2.5 pt-1.5 pb-1`}>
          <MessageText text={body} />
        </p>
      )}
      {aside}
    </div>
  );
}

/**
 * A message as seed 000 draws it: yours blue on the right, others' grey on the left; time below.
 * `body` and `attachments` are what to show (in encrypted rooms: as opened in this browser).
 * In a run of messages by one person within a few minutes only the last shows its time below;
 * the others show theirs beside the bubble on hover or focus (screen readers always hear it).
 */
export function MessageBubble({
  message,
  body,
  attachments,
  own,
  startsGroup,
  endsGroup = true,
  seen,
}: {
  message: Message;
  body: string;
  attachments: readonly Attachment[];
  own: boolean;
  startsGroup: boolean;
  endsGroup?: boolean;
  seen: boolean;
}) {
  const sender = own ? 'You' : displayName(message.sender);
  const time = <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>;
  const timeBelow = endsGroup || seen;
  return (
    <div className={`group flex flex-col ${own ? 'items-end' : 'items-start'} ${startsGroup ? 'mt-3' : 'mt-1'}`}>
      {!own && startsGroup && (
        <span className="mb-1 ml-3 text-xs font-medium text-slate-500" aria-hidden="true">
          {sender}
        </span>
      )}
      <Bubble
        sender={sender}
        body={body}
        attachments={attachments}
        own={own}
        className={own ? 'rounded-br-md bg-blue-600 text-white' : 'rounded-bl-md bg-slate-100 text-slate-900'}
        aside={
          timeBelow ? undefined : (
            <span
              className={`pointer-events-none absolute bottom-1 whitespace-nowrap text-xs text-slate-500 opacity-0 group-focus-within:opacity-100 group-hover:opacity-100 ${own ? 'right-full mr-2' : 'left-full ml-2'}`}
            >
              {time}
            </span>
          )
        }
      />
      {timeBelow && (
        <span className={`mt-1 text-xs text-slate-500 ${own ? 'mr-1' : 'ml-3'}`}>
          {time}
          {seen && <span className="text-slate-500"> · seen</span>}
        </span>
      )}
    </div>
  );
}

/** Your message before the server stored it: sending, or failed with the reason and a retry. */
export function PendingBubble({
  pending: outgoing,
  onRetry,
  onDiscard,
}: {
  pending: PendingMessage;
  onRetry(clientMessageId: string): void;
  onDiscard(clientMessageId: string): void;
}) {
  const failed = outgoing.status === 'failed';
  let status: ReactNode;
  if (failed) {
    status = (
      <div className="mt-1 mr-1 flex flex-wrap items-center justify-end gap-x-2 text-xs">
        <span className="text-red-700">Not sent: {outgoing.error}</span>
        <button
          type="button"
          onClick={() => onRetry(outgoing.clientMessageId)}
          className="rounded font-semibold text-blue-700 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-blue-400"
        >
          Retry
        </button>
        <button
          type="button"
          onClick={() => onDiscard(outgoing.clientMessageId)}
          className="rounded font-semibold text-slate-500 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-blue-400"
        >
          Discard
        </button>
      </div>
    );
  } else {
    status = <span className="mt-1 mr-1 text-xs text-slate-500">Sending…</span>;
  }
  return (
    <div className="mt-1 flex flex-col items-end">
      <Bubble
        sender="You"
        body={outgoing.body}
        attachments={outgoing.attachments}
        own
        className={`rounded-br-md text-white ${failed ? 'bg-blue-600 ring-2 ring-red-500 ring-offset-2 ring-offset-surface' : 'bg-blue-600'}`}
      />
      {status}
    </div>
  );
}
