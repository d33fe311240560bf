import { type Draft, formatSize } from '@tandem/client';
import { Image, Pressable, StyleSheet, Text, View } from 'react-native';
import type { PickedFile } from '../platform/files.ts';
import { colors } from '../theme.ts';
import { CloseIcon } from './icons.tsx';

const percent = (draft: Draft) => (draft.size > 0 ? Math.round((draft.loaded / draft.size) * 100) : 0);

/**
 * The photos chosen for the next message, above the field: each with its thumbnail, name, size
 * and own progress, a button that cancels (while uploading) or removes it, and what went wrong.
 */
export function AttachmentTray({
  drafts,
  notice,
  problem,
  onRemove,
  onRetry,
}: {
  drafts: readonly Draft<PickedFile>[];
  notice: string | undefined;
  problem: string | undefined;
  onRemove(key: string): void;
  onRetry(key: string): void;
}) {
  if (drafts.length === 0 && !notice) return null;
  const failed = drafts.some((d) => d.status === 'failed');
  return (
    <View style={styles.tray}>
      {drafts.length > 0 ? (
        <View accessibilityRole="list" accessibilityLabel="Files to send" style={styles.list}>
          {drafts.map((draft) => (
            <DraftRow key={draft.key} draft={draft} onRemove={onRemove} onRetry={onRetry} />
          ))}
        </View>
      ) : null}
      {notice ? (
        <Text accessibilityLiveRegion="polite" style={styles.notice}>
          {notice}
        </Text>
      ) : null}
      {problem ? (
        // Why Send waits: the uploads still running, or a failure to deal with first.
        <Text accessibilityLiveRegion="polite" style={failed ? styles.failedProblem : styles.waiting}>
          {problem}
        </Text>
      ) : null}
    </View>
  );
}

function DraftRow({
  draft,
  onRemove,
  onRetry,
}: {
  draft: Draft<PickedFile>;
  onRemove(key: string): void;
  onRetry(key: string): void;
}) {
  const failed = draft.status === 'failed';
  const uploading = draft.status === 'uploading';
  const progress = percent(draft);
  return (
    <View style={[styles.row, failed && styles.rowFailed]}>
      {draft.preview ? (
        <Image source={{ uri: draft.preview }} style={styles.thumb} accessibilityIgnoresInvertColors />
      ) : (
        <View style={styles.thumb} />
      )}
      <View style={styles.middle}>
        <View style={styles.nameLine}>
          <Text style={styles.name} numberOfLines={1}>
            {draft.name}
          </Text>
          <Text style={styles.size}>{formatSize(draft.size)}</Text>
        </View>
        {failed ? (
          <Text accessibilityRole="alert" style={styles.error}>
            {draft.error}
          </Text>
        ) : (
          <View style={styles.progressLine}>
            <View
              accessible
              accessibilityRole="progressbar"
              accessibilityLabel={`Uploading ${draft.name}`}
              // aria-value*: React Native and its web build both read these (accessibilityValue is native only).
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={progress}
              style={styles.bar}
            >
              <View style={[styles.fill, !uploading && styles.fillDone, { width: `${progress}%` }]} />
            </View>
            <Text style={styles.percent}>{uploading ? `${progress}%` : 'Uploaded'}</Text>
          </View>
        )}
      </View>
      {failed && draft.retryable ? (
        <Pressable
          accessibilityRole="button"
          accessibilityLabel={`Try ${draft.name} again`}
          onPress={() => onRetry(draft.key)}
          hitSlop={8}
          style={styles.retry}
        >
          <Text style={styles.retryText}>Retry</Text>
        </Pressable>
      ) : null}
      <Pressable
        accessibilityRole="button"
        accessibilityLabel={uploading ? `Cancel upload of ${draft.name}` : `Remove ${draft.name}`}
        onPress={() => onRemove(draft.key)}
        hitSlop={8}
        style={styles.remove}
      >
        <CloseIcon />
      </Pressable>
    </View>
  );
}

const styles = StyleSheet.create({
  tray: { paddingHorizontal: 12, paddingTop: 8, gap: 4, backgroundColor: colors.white },
  list: { gap: 6 },
  row: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: 10,
    padding: 8,
    borderRadius: 14,
    borderWidth: 1,
    borderColor: colors.line,
    backgroundColor: colors.field,
  },
  rowFailed: { borderColor: '#fecaca', backgroundColor: '#fef2f2' },
  thumb: { width: 40, height: 40, borderRadius: 8, backgroundColor: colors.bubbleGrey },
  middle: { flex: 1, minWidth: 0 },
  nameLine: { flexDirection: 'row', alignItems: 'baseline', gap: 8 },
  name: { flexShrink: 1, fontSize: 14, fontWeight: '500', color: colors.text },
  size: { fontSize: 12, color: colors.muted },
  progressLine: { flexDirection: 'row', alignItems: 'center', gap: 8, marginTop: 4 },
  bar: { flex: 1, height: 6, borderRadius: 3, backgroundColor: colors.bubbleGrey, overflow: 'hidden' },
  fill: { height: 6, borderRadius: 3, backgroundColor: colors.blue },
  fillDone: { backgroundColor: colors.green },
  percent: { width: 64, textAlign: 'right', fontSize: 12, color: colors.muted },
  error: { fontSize: 12, color: colors.danger },
  retry: { paddingHorizontal: 6, paddingVertical: 4 },
  retryText: { fontSize: 13, fontWeight: '600', color: colors.blue },
  remove: { width: 32, height: 32, borderRadius: 16, alignItems: 'center', justifyContent: 'center' },
  notice: { fontSize: 12, color: colors.warnText },
  waiting: { fontSize: 12, color: colors.muted },
  failedProblem: { fontSize: 12, color: colors.danger },
});
