import type { Attachment, ErrorResponse } from '@tandem/protocol';

/**
 * A file to upload: a `Blob` or `File` (browsers, and the phone app's web build), or a React
 * Native part, which the phone's `FormData` streams from `uri` (a file on the device, or a
 * `data:` URI for bytes made in memory, such as a file encrypted on the phone).
 */
export type UploadSource = Blob | NativeFilePart;
export type NativeFilePart = { uri: string; name: string; type: string; size?: number };

/**
 * Where files go. A page served by Tandem posts to `/uploads` on its own origin with the session
 * cookie (the default); an app elsewhere (the phone) posts to its server with a bearer token.
 */
export type UploadTarget = { url: string; token?: string | undefined };

export const SAME_ORIGIN_UPLOADS: UploadTarget = { url: '/uploads' };

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

/** How an app uploads one file: `uploadFile` with its target, or a wrapper (encrypted rooms). */
export type Uploader<F> = (file: F, onProgress: (progress: UploadProgress) => void) => RunningUpload;

export const abortedError = () => new UploadError(0, 'aborted', 'The upload was cancelled.');

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

const isBlob = (file: UploadSource): file is Blob => typeof Blob !== 'undefined' && file instanceof Blob;

/** A file's name for the form: its own (a File or a native part), else "file". */
const nameOf = (file: UploadSource) => ('name' in file && typeof file.name === 'string' && file.name) || 'file';

/**
 * Uploads one file to `POST /uploads` with `XMLHttpRequest`, the one API that reports upload
 * progress in browsers and React Native alike. One request per file, so each file has its own
 * progress and can be cancelled alone.
 */
export function uploadFile(
  file: UploadSource,
  onProgress: (progress: UploadProgress) => void,
  target: UploadTarget = SAME_ORIGIN_UPLOADS,
): RunningUpload {
  const xhr = new XMLHttpRequest();
  const size = isBlob(file) ? file.size : (file.size ?? 0);
  const done = new Promise<Attachment>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : size });
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
    xhr.onabort = () => reject(abortedError());
  });
  // Callers that only cancel must not see an unhandled rejection.
  done.catch(() => {});
  const form = new FormData();
  // React Native's FormData reads `uri`, `name` and `type` from a part that is not a Blob.
  if (isBlob(file)) form.append('file', file, nameOf(file));
  else form.append('file', file as unknown as Blob);
  xhr.open('POST', target.url);
  // The cookie only on the page's own origin; elsewhere the token says who is uploading.
  if (target.token) xhr.setRequestHeader('authorization', `Bearer ${target.token}`);
  else xhr.withCredentials = true;
  xhr.setRequestHeader('accept', 'application/json');
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

/**
 * A file's link as the server gave it (`/static/<name>`, or absolute on UPLOADS_ORIGIN), made
 * absolute for an app that is not served by that server (the phone).
 */
export function fileUrl(url: string, serverUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return `${serverUrl.replace(/\/+$/, '')}${url.startsWith('/') ? '' : '/'}${url}`;
}
