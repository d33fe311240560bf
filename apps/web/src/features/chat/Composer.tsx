import { messageProblem } from '@tandem/client';
import { MESSAGE_MAX } from '@tandem/protocol/constants';
import {
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { AttachmentTray } from '../attachments/AttachmentTray.tsx';
import { PaperclipIcon } from '../attachments/icons.tsx';
import type { AttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';

/** Start showing the length this close to the limit. */
const COUNTER_FROM = MESSAGE_MAX - 500;

/**
 * Seed 000's input: "Start typing..." and a triangle send button. Enter sends, Shift+Enter
 * adds a line. A message that cannot be sent says why instead.
 *
 * Files (seed 004) come from the paperclip, a paste, or a drop on the conversation (the page
 * owns `attachments` for that): they upload at once, show in a tray above the field, and the
 * message waits for them.
 *
 * The room's RoomSession does the rest: `onDraft` is its `setDraft` (the typing lease), `onSend`
 * sends (sealing first in an encrypted room).
 */
export function Composer({
  attachments,
  onSend,
  onDraft,
  filesAllowed = true,
  disabledReason,
  disabledReasonId,
}: {
  attachments: AttachmentDrafts;
  /** The trimmed text, and the files uploaded for it. */
  onSend: (body: string, attachments: ReturnType<AttachmentDrafts['take']>) => void;
  /** The text in the field as it changes; '' when it is emptied or left (ends the typing lease). */
  onDraft: (text: string) => void;
  filesAllowed?: boolean;
  /** Set while the message cannot be sent at all (e.g. no room key yet). */
  disabledReason?: string;
  /**
   * The element that already says `disabledReason` on the page (e.g. the room's key banner): the
   * Send button points at it instead of the composer saying the same thing a second time.
   */
  disabledReasonId?: string;
}) {
  const id = useId();
  const [body, setBody] = useState('');
  const [attempted, setAttempted] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const focusField = useCallback(() => field.current?.focus(), []);
  const picker = useRef<HTMLInputElement>(null);

  const length = body.trim().length;
  const hasFiles = attachments.drafts.length > 0;
  // Files alone make a message; text alone or with files must fit the limit.
  const textProblem = messageProblem(body, hasFiles);
  const problem = disabledReason ?? textProblem ?? attachments.problem;
  // Too long is said at once; empty only after trying to send, not while the field is fresh.
  const shownTextProblem = length > MESSAGE_MAX || attempted ? textProblem : undefined;
  // The files' state (still uploading, or failed) is said as long as it holds.
  const shownProblem = disabledReason ?? shownTextProblem ?? attachments.problem;
  // Said elsewhere on the page: not repeated under the field.
  const helpProblem = disabledReason && disabledReasonId ? undefined : shownProblem;
  const waiting = !shownTextProblem && attachments.drafts.every((d) => d.status !== 'failed');

  // Leaving the room (the page, or this composer) ends the typing lease with it.
  const draftTo = useRef(onDraft);
  draftTo.current = onDraft;
  useEffect(() => () => draftTo.current(''), []);

  const onChange = (text: string) => {
    setBody(text);
    setAttempted(false);
    onDraft(text);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (problem) {
      setAttempted(true);
      return;
    }
    // Sending ends the typing lease on the server (the session knows).
    onSend(body.trim(), attachments.take());
    setBody('');
    field.current?.focus();
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0 || !filesAllowed) return;
    // A copied file also brings its name as text: the file is what was meant.
    event.preventDefault();
    attachments.add(files);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an input method is composing picks a character; it must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form onSubmit={submit} className="mx-auto w-full max-w-3xl" noValidate>
      <AttachmentTray
        drafts={attachments.drafts}
        notice={attachments.notice}
        onRemove={attachments.remove}
        onRetry={attachments.retry}
        onEmptied={focusField}
      />
      <label htmlFor={`${id}-body`} className="block px-14 pb-0.5 text-xs font-medium text-slate-600">
        Message
      </label>
      <div className="flex items-end gap-1 sm:gap-2">
        {filesAllowed && (
          <button
            type="button"
            aria-label="Attach files"
            title="Attach files"
            onClick={() => picker.current?.click()}
            className="flex size-11 shrink-0 items-center justify-center rounded-full text-slate-500 outline-none transition hover:bg-slate-100 hover:text-slate-700 focus-visible:ring-4 focus-visible:ring-blue-300"
          >
            <PaperclipIcon />
          </button>
        )}
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          aria-hidden="true"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            // The same file can be chosen again after it was removed.
            event.target.value = '';
            if (files.length > 0) attachments.add(files);
            field.current?.focus();
          }}
        />
        <textarea
          id={`${id}-body`}
          ref={field}
          rows={1}
          value={body}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => onDraft('')}
          placeholder="Start typing..."
          aria-invalid={shownTextProblem ? true : undefined}
          aria-describedby={disabledReason && disabledReasonId ? `${disabledReasonId} ${id}-help` : `${id}-help`}
          // The field grows with its text, up to a few lines, sized by the browser (`field-sizing:
          // content`): measuring it from script on every keystroke laid out the whole page.
          className={`block field-sizing-content max-h-40 min-h-11 flex-1 resize-none rounded-3xl border bg-surface px-4 py-2.5 text-[15px] leading-6 outline-none transition placeholder:text-slate-500 focus-visible:ring-4 ${
            shownTextProblem
              ? 'border-red-400 focus-visible:ring-red-100'
              : 'border-slate-500 focus-visible:border-blue-500 focus-visible:ring-blue-100'
          }`}
        />
        <button
          type="submit"
          aria-label="Send"
          aria-disabled={problem ? true : undefined}
          aria-describedby={
            disabledReason && disabledReasonId ? disabledReasonId : shownProblem ? `${id}-help` : undefined
          }
          className={`flex size-11 shrink-0 items-center justify-center rounded-full outline-none transition focus-visible:ring-4 focus-visible:ring-blue-300 ${
            problem ? 'text-blue-300 dark:text-slate-400' : 'text-blue-700 hover:bg-blue-50'
          }`}
        >
          <svg viewBox="0 0 24 24" className="size-7" aria-hidden="true">
            <path
              d="M5 3.5v17a.75.75 0 0 0 1.14.64l13.5-8.5a.75.75 0 0 0 0-1.28L6.14 2.86A.75.75 0 0 0 5 3.5z"
              fill="currentColor"
            />
          </svg>
        </button>
      </div>
      <div id={`${id}-help`} className="min-h-5 px-4 pt-1 text-xs" aria-live="polite">
        {helpProblem ? (
          <span className={waiting ? 'text-slate-600' : 'text-red-700'}>{helpProblem}</span>
        ) : length > COUNTER_FROM ? (
          <span className="text-slate-500">
            {length.toLocaleString()} / {MESSAGE_MAX.toLocaleString()}
          </span>
        ) : (
          <span className="sr-only">Enter sends, Shift+Enter adds a line.</span>
        )}
      </div>
    </form>
  );
}
