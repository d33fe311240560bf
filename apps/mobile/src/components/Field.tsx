import { forwardRef } from 'react';
import { StyleSheet, Text, TextInput, type TextInputProps, View } from 'react-native';
import { colors, TOUCH } from '../theme.ts';
import { useFocusRing } from './focus.ts';

type Props = TextInputProps & { label: string; error?: string | undefined; showLabel?: boolean };

/** A text field with its label (spoken by screen readers even when not shown) and its error. */
export const Field = forwardRef<TextInput, Props>(function Field(
  { label, error, showLabel = false, style, onFocus, onBlur, ...input },
  ref,
) {
  const ring = useFocusRing({ onFocus, onBlur });
  return (
    <View style={styles.wrap}>
      {showLabel && <Text style={styles.label}>{label}</Text>}
      <TextInput
        ref={ref}
        accessibilityLabel={label}
        placeholderTextColor={colors.muted}
        autoCorrect={false}
        style={[styles.input, ring.style, error ? styles.invalid : null, style]}
        {...input}
        {...ring.handlers}
        {...(error ? { accessibilityHint: error } : {})}
      />
      {error ? (
        <Text accessibilityRole="alert" accessibilityLiveRegion="polite" style={styles.error}>
          {error}
        </Text>
      ) : null}
    </View>
  );
});

const styles = StyleSheet.create({
  wrap: { gap: 6 },
  label: { fontSize: 14, fontWeight: '500', color: colors.text },
  input: {
    minHeight: TOUCH,
    borderWidth: 1,
    borderColor: colors.line,
    backgroundColor: colors.field,
    borderRadius: 10,
    paddingHorizontal: 14,
    fontSize: 16,
    color: colors.text,
  },
  // Red at rest and when focused (then its ring is red too).
  invalid: { borderColor: colors.danger, outlineColor: colors.danger },
  error: { color: colors.danger, fontSize: 14 },
});
