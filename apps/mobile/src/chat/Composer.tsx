import type { Attachment } from '@tandem/protocol';
import { MESSAGE_MAX } from '@tandem/protocol/constants';
import { useState } from 'react';
import { Pressable, StyleSheet, TextInput, View } from 'react-native';
import { AttachmentTray } from '../attachments/AttachmentTray.tsx';
import { PaperclipIcon } from '../attachments/icons.tsx';
import { useAttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { useFocusRing } from '../components/focus.ts';
import { colors, TOUCH } from '../theme.ts';

/**
 * "Start typing..." and the right-pointing triangle of seed 000, with a paperclip that attaches
 * photos: each uploads as soon as it is chosen (encrypted on the phone first in an encrypted
 * room), and the message goes once they are all stored, with or without text.
 */
export function Composer({
  disabled,
  encrypted,
  onSend,
  onTyping,
}: {
  disabled: boolean;
  encrypted: boolean;
  onSend(text: string, files: Attachment[]): void;
  onTyping(text: string): void;
}) {
  const [text, setText] = useState('');
  const ring = useFocusRing();
  const files = useAttachmentDrafts(encrypted);
  const hasContent = text.trim() !== '' || files.drafts.length > 0;
  const canSend = !disabled && hasContent && files.problem === undefined;
  const send = () => {
    if (!canSend) return;
    onSend(text.trim(), files.take());
    setText('');
    onTyping('');
  };
  return (
    <View style={styles.composer}>
      <AttachmentTray
        drafts={files.drafts}
        notice={files.notice}
        problem={files.problem}
        onRemove={files.remove}
        onRetry={files.retry}
      />
      <View style={styles.bar}>
        <Pressable
          accessibilityRole="button"
          accessibilityLabel="Attach photo"
          accessibilityState={{ disabled }}
          disabled={disabled}
          onPress={() => void files.pick()}
          hitSlop={4}
          style={({ pressed }) => [styles.attach, pressed && styles.attachPressed, disabled && styles.attachOff]}
        >
          <PaperclipIcon />
        </Pressable>
        <TextInput
          accessibilityLabel="Message"
          placeholder="Start typing..."
          placeholderTextColor={colors.muted}
          value={text}
          onChangeText={(next) => {
            setText(next);
            onTyping(next);
          }}
          multiline
          maxLength={MESSAGE_MAX}
          editable={!disabled}
          style={[styles.input, ring.style]}
          {...ring.handlers}
          onKeyPress={(event) => {
            // Web build and hardware keyboards: Enter sends, Shift+Enter makes a new line.
            const native = event.nativeEvent as { key: string; shiftKey?: boolean };
            if (native.key === 'Enter' && !native.shiftKey) {
              (event as unknown as { preventDefault?: () => void }).preventDefault?.();
              send();
            }
          }}
        />
        <Pressable
          accessibilityRole="button"
          accessibilityLabel="Send"
          accessibilityState={{ disabled: !canSend }}
          disabled={!canSend}
          onPress={send}
          style={({ pressed }) => [styles.send, !canSend && styles.sendOff, pressed && styles.sendPressed]}
        >
          <View style={styles.triangle} />
        </Pressable>
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  composer: { borderTopWidth: StyleSheet.hairlineWidth, borderTopColor: colors.line, backgroundColor: colors.white },
  bar: {
    flexDirection: 'row',
    alignItems: 'flex-end',
    gap: 8,
    paddingHorizontal: 12,
    paddingVertical: 8,
  },
  attach: {
    width: TOUCH - 4,
    height: TOUCH - 4,
    borderRadius: (TOUCH - 4) / 2,
    alignItems: 'center',
    justifyContent: 'center',
  },
  attachPressed: { backgroundColor: colors.bubbleGrey },
  attachOff: { opacity: 0.4 },
  input: {
    flex: 1,
    minHeight: TOUCH - 4,
    maxHeight: 140,
    borderRadius: 22,
    backgroundColor: colors.field,
    borderWidth: 1,
    borderColor: colors.line,
    paddingHorizontal: 16,
    paddingTop: 11,
    paddingBottom: 11,
    fontSize: 16,
    color: colors.text,
  },
  send: {
    width: TOUCH - 4,
    height: TOUCH - 4,
    borderRadius: (TOUCH - 4) / 2,
    backgroundColor: colors.blue,
    alignItems: 'center',
    justifyContent: 'center',
  },
  sendOff: { backgroundColor: '#93c5fd' },
  sendPressed: { backgroundColor: colors.blueDark },
  // The right-pointing triangle, drawn with borders: no icon font to load.
  triangle: {
    width: 0,
    height: 0,
    marginLeft: 4,
    borderTopWidth: 9,
    borderBottomWidth: 9,
    borderLeftWidth: 15,
    borderTopColor: 'transparent',
    borderBottomColor: 'transparent',
    borderLeftColor: colors.white,
  },
});
