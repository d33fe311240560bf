import { StyleSheet, View } from 'react-native';
import { colors } from '../theme.ts';

/** A small padlock drawn with views: no icon font or emoji (which some systems lack) to depend on. */
export function LockIcon({ color = colors.muted }: { color?: string }) {
  return (
    <View style={styles.box} accessibilityElementsHidden importantForAccessibility="no-hide-descendants">
      <View style={[styles.shackle, { borderColor: color }]} />
      <View style={[styles.body, { backgroundColor: color }]} />
    </View>
  );
}

const styles = StyleSheet.create({
  box: { width: 10, height: 13, alignItems: 'center', marginTop: 1 },
  shackle: {
    width: 7,
    height: 7,
    borderWidth: 1.5,
    borderBottomWidth: 0,
    borderTopLeftRadius: 4,
    borderTopRightRadius: 4,
  },
  body: { width: 10, height: 7, borderRadius: 1.5 },
});
