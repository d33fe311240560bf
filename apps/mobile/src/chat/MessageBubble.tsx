import type { Attachment } from '@tandem/protocol';
import { memo } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { MessageFiles } from '../attachments/MessageFiles.tsx';
import { colors } from '../theme.ts';

export type BubbleProps = {
  mine: boolean;
  /** Shown above others' messages. */
  sender?: string | undefined;
  text: string;
  /** A notice instead of text ("Sent before you joined"): shown in italics. */
  notice?: boolean;
  time?: string | undefined;
  status?: 'seen' | 'sending' | 'failed' | undefined;
  error?: string | undefined;
  onRetry?: (() => void) | undefined;
  /** Its files (in an encrypted room, decrypted on this phone): thumbnails and chips. */
  files?: readonly Attachment[] | undefined;
};

/**
 * Seed 000's bubbles: one's own in blue on the right, the others' in grey on the left, each with
 * its time; files above the text. A message is read out as one line; with files, which can be
 * opened one by one, that line is on its text (or its time) rather than on the whole row.
 */
export const MessageBubble = memo(function MessageBubble(props: BubbleProps) {
  const { mine, sender, text, notice, time, status, error, onRetry, files = [] } = props;
  const hasFiles = files.length > 0;
  const spoken = [
    mine ? 'You' : sender,
    text === '' ? '' : notice ? text : `said ${text}`,
    hasFiles ? `sent ${files.map((f) => f.name).join(', ')}` : '',
    time ? `at ${time}` : '',
    status === 'seen' ? 'seen' : status === 'sending' ? 'sending' : status === 'failed' ? 'not sent' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <View
      style={[styles.row, mine ? styles.mineRow : styles.theirsRow]}
      accessible={!hasFiles}
      accessibilityLabel={hasFiles ? undefined : spoken}
    >
      {!mine && sender ? <Text style={styles.sender}>{sender}</Text> : null}
      {hasFiles ? <MessageFiles files={files} mine={mine} /> : null}
      {text !== '' ? (
        <View
          style={[styles.bubble, mine ? styles.mine : styles.theirs, status === 'sending' && styles.sending]}
          {...(hasFiles ? { accessible: true, accessibilityLabel: spoken } : {})}
        >
          <Text style={[mine ? styles.mineText : styles.theirsText, notice && styles.notice]}>{text}</Text>
        </View>
      ) : null}
      <View
        style={[styles.meta, mine && styles.metaMine]}
        {...(hasFiles && text === '' ? { accessible: true, accessibilityLabel: spoken } : {})}
      >
        {time ? <Text style={styles.time}>{time}</Text> : null}
        {status === 'seen' ? <Text style={styles.seen}>seen</Text> : null}
        {status === 'sending' ? <Text style={styles.time}>sending…</Text> : null}
      </View>
      {status === 'failed' ? (
        <Pressable accessibilityRole="button" accessibilityLabel="Retry sending" onPress={onRetry} hitSlop={8}>
          <Text style={styles.failed}>{error ? `${error} ` : 'Not sent. '}Tap to retry.</Text>
        </Pressable>
      ) : null}
    </View>
  );
});

const styles = StyleSheet.create({
  row: { marginVertical: 4, maxWidth: '80%' },
  mineRow: { alignSelf: 'flex-end', alignItems: 'flex-end' },
  theirsRow: { alignSelf: 'flex-start', alignItems: 'flex-start' },
  sender: { fontSize: 12, color: colors.muted, marginBottom: 2, marginLeft: 4 },
  bubble: { borderRadius: 18, paddingHorizontal: 14, paddingVertical: 9 },
  mine: { backgroundColor: colors.blue, borderBottomRightRadius: 4 },
  theirs: { backgroundColor: colors.bubbleGrey, borderBottomLeftRadius: 4 },
  sending: { opacity: 0.7 },
  mineText: { color: colors.white, fontSize: 16, lineHeight: 21 },
  theirsText: { color: colors.text, fontSize: 16, lineHeight: 21 },
  notice: { fontStyle: 'italic' },
  meta: { flexDirection: 'row', gap: 6, marginTop: 2, marginHorizontal: 4 },
  metaMine: { justifyContent: 'flex-end' },
  time: { fontSize: 11, color: colors.muted },
  seen: { fontSize: 11, color: colors.blue, fontWeight: '500' },
  failed: { fontSize: 12, color: colors.danger, marginTop: 2 },
});
