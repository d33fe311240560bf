import { isImage, type UploadSource } from '@tandem/client';
import { blobUrlOf, CIPHERTEXT_NAME, CIPHERTEXT_TYPE, dataUrlOf } from '@tandem/client/e2e';
import { ATTACHMENTS_MAX } from '@tandem/protocol/constants';
import { launchImageLibraryAsync } from 'expo-image-picker';
import { Platform } from 'react-native';

const onWeb = Platform.OS === 'web';

/** A photo chosen on this phone (in the web build: a File from the browser's file chooser). */
export type PickedFile = { uri: string; name: string; type: string; size: number; file?: File };

/**
 * Opens the system's photo picker (in the web build, an <input type="file">); resolves with
 * the photos chosen, none when cancelled. The system pickers need no permission prompt.
 */
export async function pickPhotos(): Promise<PickedFile[]> {
  const result = await launchImageLibraryAsync({
    mediaTypes: ['images'],
    allowsMultipleSelection: true,
    selectionLimit: ATTACHMENTS_MAX,
    quality: 1,
  });
  if (result.canceled) return [];
  return result.assets.map((asset, n) => {
    const type = asset.mimeType ?? 'image/jpeg';
    const name = asset.fileName || `photo-${Date.now()}-${n + 1}.${type.split('/')[1] ?? 'jpg'}`;
    return {
      uri: asset.uri,
      name,
      type,
      size: asset.fileSize ?? asset.file?.size ?? 0,
      ...(asset.file ? { file: asset.file } : {}),
    };
  });
}

/** What the upload sends for a photo: the File on the web, else React Native's `{ uri, name, type }` part. */
export const uploadPartOf = (picked: PickedFile): UploadSource =>
  picked.file ?? { uri: picked.uri, name: picked.name, type: picked.type, size: picked.size };

/** A photo's bytes, to encrypt them (React Native's fetch reads a file: URI; the web build has the File). */
export async function readBytes(picked: PickedFile): Promise<Uint8Array> {
  if (picked.file) return new Uint8Array(await picked.file.arrayBuffer());
  const response = await fetch(picked.uri);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Ciphertext to upload. React Native cannot make a Blob from bytes, but its FormData sends a
 * `data:` URI part's bytes (Android and iOS both decode it), so nothing is written to disk.
 */
export function ciphertextPart(ciphertext: Uint8Array): UploadSource {
  if (onWeb) return new File([ciphertext as BlobPart], CIPHERTEXT_NAME, { type: CIPHERTEXT_TYPE });
  return {
    uri: dataUrlOf(ciphertext, CIPHERTEXT_TYPE),
    name: CIPHERTEXT_NAME,
    type: CIPHERTEXT_TYPE,
    size: ciphertext.length,
  };
}

/**
 * A decrypted file as something an <Image> shows: a blob URL in the web build (revoked when the
 * room closes), a `data:` URI on the phone (React Native's Blob cannot be made from bytes).
 */
export const urlOfBytes = onWeb ? blobUrlOf : dataUrlOf;

export function releaseUrl(url: string): void {
  if (url.startsWith('blob:')) URL.revokeObjectURL(url);
}

/**
 * Which decrypted files this platform makes a URL of: all in the web build (a blob URL opens in
 * a tab); on the phone only images, which an <Image> shows from a data: URI.
 */
export const decryptsHere = (type: string): boolean => onWeb || isImage({ type });
