import { fileKind, fileUrl, formatSize, isImage } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { memo, useState } from 'react';
import { Image, Linking, Modal, Pressable, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useServices } from '../services.tsx';
import { colors, TOUCH } from '../theme.ts';
import { CloseIcon, PaperclipIcon } from './icons.tsx';

/**
 * A message's files inside its bubble: images as thumbnails that open full size, every other
 * file as a chip with its name, kind and size that opens its link. A file with no URL yet (an
 * encrypted one still being decrypted, or one this phone does not decrypt) shows by name.
 */
export const MessageFiles = memo(function MessageFiles({
  files,
  mine,
}: {
  files: readonly Attachment[];
  mine: boolean;
}) {
  const { serverUrl } = useServices();
  const [open, setOpen] = useState<Attachment | null>(null);
  // The server's links are relative to it (`/static/…`); decrypted files are data: or blob: URLs.
  const shown = files.map((f) => (f.url ? { ...f, url: fileUrl(f.url, serverUrl) } : f));
  const images = shown.filter(isImage);
  const others = shown.filter((f) => !isImage(f));
  return (
    <View style={[styles.files, mine ? styles.mine : styles.theirs]}>
      {images.map((image) =>
        image.url ? (
          <Pressable
            key={image.id}
            accessibilityRole="button"
            accessibilityLabel={`Open ${image.name}`}
            onPress={() => setOpen(image)}
            style={styles.thumbBox}
          >
            {picture(image, 'cover')}
          </Pressable>
        ) : (
          <View
            key={image.id}
            accessibilityLabel={`${image.name}, decrypting`}
            style={[styles.thumbBox, styles.waiting]}
          >
            <Text style={styles.waitingText} numberOfLines={2}>
              {image.name}
            </Text>
          </View>
        ),
      )}
      {others.map((file) => (
        <FileChip key={file.id} file={file} mine={mine} />
      ))}
      <Modal visible={open !== null} animationType="fade" onRequestClose={() => setOpen(null)}>
        {open ? (
          <SafeAreaView style={styles.viewer}>
            <View style={styles.viewerBar}>
              <Text style={styles.viewerName} numberOfLines={1}>
                {open.name}
              </Text>
              <Pressable
                accessibilityRole="button"
                accessibilityLabel="Close"
                onPress={() => setOpen(null)}
                hitSlop={8}
                style={styles.viewerClose}
              >
                <CloseIcon color={colors.white} />
              </Pressable>
            </View>
            {picture(open, 'contain')}
          </SafeAreaView>
        ) : null}
      </Modal>
    </View>
  );
});

/** An image named by its file: cropped to a thumbnail, or whole in the viewer. */
function picture(image: Attachment, fit: 'cover' | 'contain') {
  return (
    <Image
      source={{ uri: image.url }}
      accessibilityRole="image"
      accessibilityLabel={image.name}
      style={fit === 'cover' ? styles.thumb : styles.full}
      resizeMode={fit}
    />
  );
}

function FileChip({ file, mine }: { file: Attachment; mine: boolean }) {
  const label = `${file.name}, ${fileKind(file)}, ${formatSize(file.size)}`;
  // data: URIs are images decrypted on the phone; no other app opens them.
  const opens = file.url !== '' && !file.url.startsWith('data:');
  const body = (
    <>
      <PaperclipIcon color={mine ? colors.white : colors.muted} />
      <View style={styles.chipText}>
        <Text style={[styles.chipName, mine && styles.onBlue]} numberOfLines={1}>
          {file.name}
        </Text>
        <Text style={[styles.chipMeta, mine && styles.onBlue]}>
          {opens ? `${fileKind(file)} · ${formatSize(file.size)}` : `${formatSize(file.size)} · open it on the web`}
        </Text>
      </View>
    </>
  );
  return opens ? (
    <Pressable
      accessibilityRole="link"
      accessibilityLabel={label}
      onPress={() => void Linking.openURL(file.url)}
      style={[styles.chip, mine ? styles.chipMine : styles.chipTheirs]}
    >
      {body}
    </Pressable>
  ) : (
    <View accessibilityLabel={label} style={[styles.chip, mine ? styles.chipMine : styles.chipTheirs]}>
      {body}
    </View>
  );
}

const styles = StyleSheet.create({
  files: { gap: 4, marginBottom: 2 },
  mine: { alignItems: 'flex-end' },
  theirs: { alignItems: 'flex-start' },
  thumbBox: { width: 220, height: 165, borderRadius: 14, overflow: 'hidden', backgroundColor: colors.bubbleGrey },
  thumb: { width: '100%', height: '100%' },
  waiting: { alignItems: 'center', justifyContent: 'center', padding: 12 },
  waitingText: { color: colors.muted, fontSize: 13, textAlign: 'center' },
  chip: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: 8,
    minHeight: TOUCH,
    maxWidth: 260,
    paddingHorizontal: 12,
    paddingVertical: 8,
    borderRadius: 14,
  },
  chipMine: { backgroundColor: colors.blue },
  chipTheirs: { backgroundColor: colors.bubbleGrey },
  chipText: { flexShrink: 1 },
  chipName: { fontSize: 14, fontWeight: '500', color: colors.text },
  chipMeta: { fontSize: 12, color: colors.muted },
  onBlue: { color: colors.white },
  viewer: { flex: 1, backgroundColor: '#000000' },
  viewerBar: { flexDirection: 'row', alignItems: 'center', paddingHorizontal: 12, minHeight: TOUCH },
  viewerName: { flex: 1, color: colors.white, fontSize: 15 },
  viewerClose: { width: TOUCH, height: TOUCH, alignItems: 'center', justifyContent: 'center' },
  full: { flex: 1 },
});
