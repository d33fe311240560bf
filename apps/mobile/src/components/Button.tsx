import { ActivityIndicator, Pressable, StyleSheet, Text } from 'react-native';
import { colors, TOUCH } from '../theme.ts';

type Props = {
  label: string;
  onPress(): void;
  tone?: 'blue' | 'green' | 'plain';
  busy?: boolean;
  disabled?: boolean;
  accessibilityHint?: string;
};

export function Button({ label, onPress, tone = 'blue', busy = false, disabled = false, accessibilityHint }: Props) {
  const inactive = disabled || busy;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      accessibilityHint={accessibilityHint}
      accessibilityState={{ disabled: inactive, busy }}
      disabled={inactive}
      onPress={onPress}
      style={({ pressed }) => [
        styles.base,
        tone === 'plain' ? styles.plain : { backgroundColor: pressed ? dark[tone] : colors[tone] },
        inactive && styles.inactive,
      ]}
    >
      {busy ? (
        <ActivityIndicator color={tone === 'plain' ? colors.blue : colors.white} />
      ) : (
        <Text style={[styles.label, tone === 'plain' && styles.plainLabel]}>{label}</Text>
      )}
    </Pressable>
  );
}

const dark = { blue: colors.blueDark, green: colors.greenDark } as const;

const styles = StyleSheet.create({
  base: {
    minHeight: TOUCH,
    borderRadius: 10,
    paddingHorizontal: 20,
    alignItems: 'center',
    justifyContent: 'center',
  },
  plain: { backgroundColor: 'transparent' },
  inactive: { opacity: 0.5 },
  label: { color: colors.white, fontSize: 16, fontWeight: '600' },
  plainLabel: { color: colors.blue, fontWeight: '500' },
});
