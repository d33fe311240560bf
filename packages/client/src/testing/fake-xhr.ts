import { fromBase64Url } from '@tandem/crypto';
import type { Attachment } from '@tandem/protocol';
import type { NativeFilePart } from '../attachments/upload.ts';

type Handler = (() => void) | null;

/**
 * For tests of uploads (`uploadFile`): an XMLHttpRequest the test answers by hand, as the server
 * would. Each request is kept in order in the list given to `fakeXhrClass`; install that class as
 * the global XMLHttpRequest with the test runner's own stubbing (vitest's `vi.stubGlobal`, Jest's
 * `jest.replaceProperty`), which puts the real one back.
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

  /** The one file this request carries: a Blob or File, or a React Native part `{ uri, name, type }`. */
  get part(): Blob | NativeFilePart {
    return this.body?.getAll('file')[0] as unknown as Blob | NativeFilePart;
  }
  /** The file of a browser's request. */
  get file(): File {
    return this.part as File;
  }
  /** The bytes a React Native part carries in its `data:` URI. */
  get dataBytes(): Uint8Array {
    const { uri } = this.part as NativeFilePart;
    const base64 = /^data:[^,]*;base64,(.*)$/.exec(uri)?.[1];
    if (base64 === undefined) throw new Error(`not a data: URI: ${uri.slice(0, 40)}`);
    return fromBase64Url(base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  /** The part's name, type and size (a native part's from its data: URI, or its `size`). */
  get info(): { name: string; type: string; size: number } {
    const part = this.part;
    if (typeof Blob !== 'undefined' && part instanceof Blob) {
      return { name: (part as File).name ?? 'file', type: part.type, size: part.size };
    }
    const native = part as NativeFilePart;
    const size = native.uri.startsWith('data:') ? this.dataBytes.length : (native.size ?? 0);
    return { name: native.name, type: native.type, size };
  }
  progress(loaded: number, total = this.info.size) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
  /** The server stored the file: 201 with its attachment. */
  succeed(attachment: Partial<Attachment> = {}) {
    const { name, type, size } = this.info;
    const stored: Attachment = {
      id: `up-${name}`,
      url: `/static/${name}`,
      name,
      size,
      contentType: type || 'application/octet-stream',
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

/** An XMLHttpRequest class whose requests are FakeXhrs, pushed to `requests` as they are sent. */
export function fakeXhrClass(requests: FakeXhr[]): new () => FakeXhr {
  return class extends FakeXhr {
    constructor() {
      super(requests);
    }
  };
}
