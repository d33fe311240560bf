import type { Message } from '@tandem/protocol';
import { useAppDispatch } from '../../app/hooks.ts';
import { formatTime } from '../../lib/format.ts';
import { displayName } from '../auth/authSlice.ts';
import { type OutgoingMessage, retrySend, sendDiscarded } from './outboxSlice.ts';

const bubble =
  'max-w-[80%] rounded-2xl px-3.5 py-2 text-[15px] leading-snug whitespace-pre-wrap break-words sm:max-w-md';

/** A message as seed 000 draws it: yours blue on the right, others' grey on the left; time below. */
export function MessageBubble({
  message,
  own,
  startsGroup,
  seen,
}: {
  message: Message;
  own: boolean;
  startsGroup: boolean;
  seen: boolean;
}) {
  const sender = own ? 'You' : displayName(message.sender);
  return (
    <div className={`flex flex-col ${own ? 'items-end' : 'items-start'} ${startsGroup ? 'mt-3' : 'mt-1'}`}>
      {!own && startsGroup && (
        <span className="mb-1 ml-3 text-xs font-medium text-slate-500" aria-hidden="true">
          {sender}
        </span>
      )}
      <p
        className={`${bubble} ${own ? 'rounded-br-md bg-blue-600 text-white' : 'rounded-bl-md bg-slate-100 text-slate-900'}`}
      >
        <span className="sr-only">{sender}: </span>
        {message.body}
      </p>
      <span className={`mt-1 text-xs text-slate-400 ${own ? 'mr-1' : 'ml-3'}`}>
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {seen && <span className="text-slate-500"> · Seen</span>}
      </span>
    </div>
  );
}

/** Your message before the server stored it: sending, or failed with the reason and a retry. */
export function OutgoingBubble({ outgoing }: { outgoing: OutgoingMessage }) {
  const dispatch = useAppDispatch();
  const failed = outgoing.status === 'failed';
  return (
    <div className="mt-1 flex flex-col items-end">
      <p
        className={`${bubble} rounded-br-md text-white ${failed ? 'bg-blue-600/60 ring-2 ring-red-500' : 'bg-blue-600/70'}`}
      >
        <span className="sr-only">You: </span>
        {outgoing.body}
      </p>
      {failed ? (
        <div className="mt-1 mr-1 flex flex-wrap items-center justify-end gap-x-2 text-xs">
          <span className="text-red-600">Not sent: {outgoing.error}</span>
          <button
            type="button"
            onClick={() => dispatch(retrySend(outgoing.clientMessageId))}
            className="rounded font-semibold text-blue-600 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-blue-400"
          >
            Retry
          </button>
          <button
            type="button"
            onClick={() => dispatch(sendDiscarded(outgoing.clientMessageId))}
            className="rounded font-semibold text-slate-500 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-blue-400"
          >
            Discard
          </button>
        </div>
      ) : (
        <span className="mt-1 mr-1 text-xs text-slate-400">Sending…</span>
      )}
    </div>
  );
}
