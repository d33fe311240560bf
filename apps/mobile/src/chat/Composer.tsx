import { MESSAGE_MAX } from '@tandem/protocol/constants';
import { useState } from 'react';
import { Pressable, StyleSheet, TextInput, View } from 'react-native';
import { useFocusRing } from '../components/focus.ts';
import { colors, TOUCH } from '../theme.ts';

/** "Start typing..." and the right-pointing triangle of seed 000. */
export function Composer({
  disabled,
  onSend,
  onTyping,
}: {
  disabled: boolean;
  onSend(text: string): void;
  onTyping(text: string): void;
}) {
  const [text, setText] = useState('');
  const ring = useFocusRing();
  const canSend = !disabled && text.trim() !== '';
  const send = () => {
    if (!canSend) return;
    onSend(text.trim());
    setText('');
    onTyping('');
  };
  return (
    <View style={styles.bar}>
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
  );
}

const styles = StyleSheet.create({
  bar: {
    flexDirection: 'row',
    alignItems: 'flex-end',
    gap: 8,
    paddingHorizontal: 12,
    paddingVertical: 8,
    borderTopWidth: StyleSheet.hairlineWidth,
    borderTopColor: colors.line,
    backgroundColor: colors.white,
  },
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
