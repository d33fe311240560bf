import type { Attachment } from '@tandem/protocol';
import { ATTACHMENTS_MAX } from '@tandem/protocol/constants';
import { isImage } from './format.ts';
import { type RunningUpload, UploadError, type Uploader } from './upload.ts';

/** A file chosen for the next message: uploading, uploaded (with its attachment), or failed. */
export type Draft<F = unknown> = {
  key: string;
  /** What was chosen: a browser `File`, a picked photo on the phone. */
  file: F;
  name: string;
  size: number;
  /** Bytes sent so far. */
  loaded: number;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
  /** The failure may pass on another try (the network, the server's load); an empty file will not. */
  retryable?: boolean;
  attachment?: Attachment;
  /** A local preview of an image, where the platform can make one. */
  preview?: string;
};

export type DraftsState<F = unknown> = {
  drafts: Draft<F>[];
  /** Something said about the last files added (e.g. that some were left out). */
  notice: string | undefined;
  /** Why the message cannot be sent yet because of its files; undefined when they are ready. */
  problem: string | undefined;
};

export type DraftFileInfo = { name: string; size: number; type: string };

export type AttachmentDraftsOptions<F> = {
  upload: Uploader<F>;
  describe(file: F): DraftFileInfo;
  /** A local preview URL of an image (only asked for images), and how to free it. */
  preview?(file: F): string | undefined;
  releasePreview?(url: string): void;
};

let counter = 0;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Why the files hold the message back: a failure needs the person to act, so it is said first. */
export function draftsProblem(drafts: readonly Pick<Draft, 'status' | 'retryable'>[]): string | undefined {
  const uploading = drafts.filter((d) => d.status === 'uploading').length;
  const failures = drafts.filter((d) => d.status === 'failed');
  const failed = failures.length;
  const orRetry = failures.some((d) => d.retryable) ? ' or try again' : '';
  if (failed > 0) {
    return `${failed === 1 ? 'A file' : `${failed} files`} could not be uploaded: remove ${failed === 1 ? 'it' : 'them'}${orRetry}.`;
  }
  if (uploading > 0) return `Wait for ${uploading === 1 ? 'the file' : `${uploading} files`} to finish uploading.`;
  return undefined;
}

/**
 * The files of the message being written, with no UI framework (both apps bind it: the web with
 * a hook, the phone likewise). Each file starts uploading as soon as it is chosen, with its own
 * request, so the message can go the moment the last one is stored. At most ATTACHMENTS_MAX;
 * state is replaced on every change (for `useSyncExternalStore`).
 */
export class AttachmentDraftStore<F> {
  private readonly options: AttachmentDraftsOptions<F>;
  private state: DraftsState<F> = { drafts: [], notice: undefined, problem: undefined };
  private readonly running = new Map<string, RunningUpload>();
  private readonly listeners = new Set<() => void>();

  constructor(options: AttachmentDraftsOptions<F>) {
    this.options = options;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): DraftsState<F> => this.state;

  /** Adds files (those beyond the limit are left out, and `notice` says so) and starts their uploads. */
  add(files: Iterable<F>): void {
    const room = ATTACHMENTS_MAX - this.state.drafts.length;
    const chosen = [...files];
    const taken = chosen.slice(0, Math.max(room, 0));
    const left = chosen.length - taken.length;
    const notice =
      left > 0
        ? `A message can carry at most ${ATTACHMENTS_MAX} files: ${plural(left, 'file was', 'files were')} left out.`
        : undefined;
    const added = taken.map((file): Draft<F> => {
      const info = this.options.describe(file);
      const preview = isImage(info) ? this.options.preview?.(file) : undefined;
      return {
        key: `file-${++counter}`,
        file,
        name: info.name || 'file',
        size: info.size,
        loaded: 0,
        status: 'uploading',
        ...(preview ? { preview } : {}),
      };
    });
    this.set([...this.state.drafts, ...added], notice);
    for (const draft of added) this.start(draft.key, draft.file);
  }

  /** Cancels the file's upload if it is still running, and forgets it. */
  remove(key: string): void {
    this.running.get(key)?.abort();
    this.running.delete(key);
    const draft = this.state.drafts.find((d) => d.key === key);
    if (draft) this.release(draft);
    this.set(
      this.state.drafts.filter((d) => d.key !== key),
      undefined,
    );
  }

  /** Uploads a failed file again. */
  retry(key: string): void {
    const draft = this.state.drafts.find((d) => d.key === key);
    if (draft?.status !== 'failed') return;
    this.update(key, (d) => {
      const { error: _error, retryable: _retryable, ...rest } = d;
      return { ...rest, status: 'uploading', loaded: 0 };
    });
    this.start(key, draft.file);
  }

  /** The uploaded files, in the order chosen; the tray is emptied. */
  take(): Attachment[] {
    const list = this.state.drafts;
    for (const draft of list) this.release(draft);
    this.set([], undefined);
    return list.flatMap((d) => (d.attachment ? [d.attachment] : []));
  }

  /** Leaving the room: cancels what is still uploading and frees the previews. */
  dispose(): void {
    for (const job of this.running.values()) job.abort();
    this.running.clear();
    for (const draft of this.state.drafts) this.release(draft);
  }

  private start(key: string, file: F): void {
    const job = this.options.upload(file, ({ loaded, total }) =>
      // A size the platform did not tell (some phones' pickers): the request's own.
      this.update(key, (d) =>
        d.size > 0 ? { ...d, loaded: Math.min(loaded, d.size) } : { ...d, loaded, size: total },
      ),
    );
    this.running.set(key, job);
    job.done.then(
      (attachment) => {
        if (this.running.get(key) !== job) return;
        this.running.delete(key);
        this.update(key, (d) => ({ ...d, status: 'done', loaded: d.size, attachment }));
      },
      (error: unknown) => {
        if (this.running.get(key) === job) this.running.delete(key);
        // Cancelled: the file is gone from the tray already.
        if (error instanceof UploadError && error.code === 'aborted') return;
        const message = error instanceof Error ? error.message : 'The upload failed. Try again.';
        const status = error instanceof UploadError ? error.status : 0;
        const retryable = status === 0 || status === 429 || status >= 500;
        this.update(key, (d) => ({ ...d, status: 'failed', error: message, retryable }));
      },
    );
  }

  private release(draft: Draft<F>): void {
    if (draft.preview) this.options.releasePreview?.(draft.preview);
  }

  private update(key: string, change: (draft: Draft<F>) => Draft<F>): void {
    if (!this.state.drafts.some((d) => d.key === key)) return;
    this.set(
      this.state.drafts.map((d) => (d.key === key ? change(d) : d)),
      this.state.notice,
    );
  }

  private set(drafts: Draft<F>[], notice: string | undefined): void {
    this.state = { drafts, notice, problem: draftsProblem(drafts) };
    for (const listener of this.listeners) listener();
  }
}
