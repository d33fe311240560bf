import { StyleSheet, View } from 'react-native';
import { colors } from '../theme.ts';

// Drawn with views, like the padlock: no icon font or emoji (which some systems lack).

/** A paperclip: two nested rounded loops, tilted. */
export function PaperclipIcon({ color = colors.muted }: { color?: string }) {
  return (
    <View style={styles.clip} accessibilityElementsHidden importantForAccessibility="no-hide-descendants">
      <View style={[styles.outer, { borderColor: color }]}>
        <View style={[styles.inner, { borderColor: color }]} />
      </View>
    </View>
  );
}

/** A small ×. */
export function CloseIcon({ color = colors.muted }: { color?: string }) {
  return (
    <View style={styles.close} accessibilityElementsHidden importantForAccessibility="no-hide-descendants">
      <View style={[styles.stroke, { backgroundColor: color, transform: [{ rotate: '45deg' }] }]} />
      <View style={[styles.stroke, { backgroundColor: color, transform: [{ rotate: '-45deg' }] }]} />
    </View>
  );
}

const styles = StyleSheet.create({
  clip: { width: 22, height: 22, alignItems: 'center', justifyContent: 'center', transform: [{ rotate: '40deg' }] },
  outer: {
    width: 10,
    height: 21,
    borderWidth: 2,
    borderRadius: 5,
    alignItems: 'center',
    justifyContent: 'flex-end',
    paddingBottom: 2,
  },
  inner: { width: 2, height: 11, borderWidth: 1, borderRadius: 1 },
  close: { width: 14, height: 14, alignItems: 'center', justifyContent: 'center' },
  stroke: { position: 'absolute', width: 14, height: 2, borderRadius: 1 },
});
