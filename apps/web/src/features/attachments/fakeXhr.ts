import type { Attachment } from '@tandem/protocol';
import { vi } from 'vitest';

type Handler = (() => void) | null;

/**
 * For tests: an XMLHttpRequest the test answers by hand, as the server would. Each request is
 * kept in order in the list `installFakeXhr` returns.
 */
export class FakeXhr {
  method = '';
  url = '';
  withCredentials = false;
  body: FormData | null = null;
  headers: Record<string, string> = {};
  status = 0;
  responseText = '';
  aborted = false;
  upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = {
    onprogress: null,
  };
  onload: Handler = null;
  onerror: Handler = null;
  ontimeout: Handler = null;
  onabort: Handler = null;

  private readonly requests: FakeXhr[];

  constructor(requests: FakeXhr[]) {
    this.requests = requests;
  }

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  send(body: FormData) {
    this.body = body;
    this.requests.push(this);
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }

  /** The one file this request carries. */
  get file(): File {
    const [value] = [...(this.body?.values() ?? [])];
    return value as File;
  }
  progress(loaded: number, total = this.file.size) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
  /** The server stored the file: 201 with its attachment. */
  succeed(attachment: Partial<Attachment> = {}) {
    const file = this.file;
    const stored: Attachment = {
      id: `up-${file.name}`,
      url: `/static/${file.name}`,
      name: file.name,
      size: file.size,
      contentType: file.type || 'application/octet-stream',
      ...attachment,
    };
    this.respond(201, [stored]);
    return stored;
  }
  fail(status: number, code: string, message: string) {
    this.respond(status, { error: { code, message } });
  }
  networkError() {
    this.onerror?.();
  }
}

/** Replaces the global XMLHttpRequest for this test; the returned list fills as requests are sent. */
export function installFakeXhr(): FakeXhr[] {
  const requests: FakeXhr[] = [];
  vi.stubGlobal(
    'XMLHttpRequest',
    class extends FakeXhr {
      constructor() {
        super(requests);
      }
    },
  );
  return requests;
}

/** A file of `size` bytes. */
export function fileOf(name: string, type: string, size = 1000): File {
  return new File([new Uint8Array(size)], name, { type });
}
