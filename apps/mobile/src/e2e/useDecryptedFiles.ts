import { fileUrl, type OpenedMessage } from '@tandem/client';
import { DecryptedFiles, openFile } from '@tandem/client/e2e';
import type { Message } from '@tandem/protocol';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { decryptsHere, releaseUrl, urlOfBytes } from '../platform/files.ts';

/**
 * The files of an encrypted room's opened messages, downloaded and decrypted on the phone by the
 * shared `DecryptedFiles` of @tandem/client/e2e: attachment id → a URL an <Image> shows (a data:
 * URI on the phone, a blob URL in the web build). The phone decrypts images only.
 */
export function useDecryptedFiles(
  serverUrl: string,
  messages: readonly Message[],
  opened: ReadonlyMap<string, OpenedMessage>,
): ReadonlyMap<string, string> {
  const files = useMemo(
    () =>
      new DecryptedFiles({
        open: (url, file) =>
          decryptsHere(file.type)
            ? openFile(fileUrl(url, serverUrl), file, urlOfBytes)
            : Promise.reject(new Error('not shown on this phone')),
        release: releaseUrl,
      }),
    [serverUrl],
  );
  useEffect(() => {
    files.update(messages, opened);
  }, [files, messages, opened]);
  useEffect(() => () => files.dispose(), [files]);
  return useSyncExternalStore(files.subscribe, files.getState);
}
