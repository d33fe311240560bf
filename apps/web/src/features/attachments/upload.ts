import type { Attachment, ErrorResponse } from '@tandem/protocol';

/** Where files go: `POST /uploads` on this origin, with the session cookie. */
export const UPLOAD_URL = '/uploads';

/** Why an upload did not finish, in the server's words when it gave any. */
export class UploadError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'UploadError';
    this.status = status;
    this.code = code;
  }
}

export type UploadProgress = { loaded: number; total: number };

export type RunningUpload = {
  /** The stored file, or an UploadError (code `aborted` after `abort()`). */
  done: Promise<Attachment>;
  abort(): void;
};

/** What to say when the server's answer has no message of its own (a proxy's page, say). */
function fallbackMessage(status: number): string {
  if (status === 413) return 'This file is too large to upload.';
  if (status === 429) return 'Too many uploads at once. Wait a moment and try again.';
  if (status === 401) return 'Your session has ended. Sign in again to upload files.';
  return `The upload failed (HTTP ${status}). Try again.`;
}

function errorOf(xhr: XMLHttpRequest): UploadError {
  let error: ErrorResponse['error'] | undefined;
  try {
    error = (JSON.parse(xhr.responseText) as ErrorResponse).error;
  } catch {
    // Not JSON: said in our own words below.
  }
  return new UploadError(xhr.status, error?.code ?? 'internal', error?.message ?? fallbackMessage(xhr.status));
}

/**
 * Uploads one file with `XMLHttpRequest`, the one browser API that reports upload progress.
 * One request per file, so each file has its own progress and can be cancelled alone.
 */
export function uploadFile(file: File, onProgress: (progress: UploadProgress) => void): RunningUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Attachment>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(errorOf(xhr));
      try {
        const [stored] = JSON.parse(xhr.responseText) as Attachment[];
        if (!stored) throw new Error('no file in the answer');
        resolve(stored);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        reject(new UploadError(xhr.status, 'unexpected', `Unexpected answer from the server: ${reason}`));
      }
    };
    xhr.onerror = () =>
      reject(new UploadError(0, 'network', 'Cannot reach the server. Check your connection and try again.'));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new UploadError(0, 'aborted', 'The upload was cancelled.'));
  });
  // Callers that only cancel must not see an unhandled rejection.
  done.catch(() => {});
  const form = new FormData();
  form.append('file', file, file.name);
  xhr.open('POST', UPLOAD_URL);
  xhr.withCredentials = true;
  xhr.setRequestHeader('accept', 'application/json');
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}
