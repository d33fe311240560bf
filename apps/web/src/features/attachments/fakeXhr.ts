import { type FakeXhr, fakeXhrClass } from '@tandem/client/testing';
import { vi } from 'vitest';

export type { FakeXhr };

/** Replaces the global XMLHttpRequest for this test; the returned list fills as requests are sent. */
export function installFakeXhr(): FakeXhr[] {
  const requests: FakeXhr[] = [];
  vi.stubGlobal('XMLHttpRequest', fakeXhrClass(requests));
  return requests;
}

/** A file of `size` bytes. */
export function fileOf(name: string, type: string, size = 1000): File {
  return new File([new Uint8Array(size)], name, { type });
}
