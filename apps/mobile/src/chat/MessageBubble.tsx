import { memo } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
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
};

/** Seed 000's bubbles: one's own in blue on the right, the others' in grey on the left, each with its time. */
export const MessageBubble = memo(function MessageBubble(props: BubbleProps) {
  const { mine, sender, text, notice, time, status, error, onRetry } = props;
  const spoken = [
    mine ? 'You' : sender,
    notice ? text : `said ${text}`,
    time ? `at ${time}` : '',
    status === 'seen' ? 'seen' : status === 'sending' ? 'sending' : status === 'failed' ? 'not sent' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <View style={[styles.row, mine ? styles.mineRow : styles.theirsRow]} accessible accessibilityLabel={spoken}>
      {!mine && sender ? <Text style={styles.sender}>{sender}</Text> : null}
      <View style={[styles.bubble, mine ? styles.mine : styles.theirs, status === 'sending' && styles.sending]}>
        <Text style={[mine ? styles.mineText : styles.theirsText, notice && styles.notice]}>{text}</Text>
      </View>
      <View style={[styles.meta, mine && styles.metaMine]}>
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
