import { useState } from 'react';
import { type NativeSyntheticEvent, StyleSheet, type TargetedEvent } from 'react-native';
import { colors } from '../theme.ts';

type FocusEvent = NativeSyntheticEvent<TargetedEvent>;
type Handlers = { onFocus?: ((e: FocusEvent) => void) | undefined; onBlur?: ((e: FocusEvent) => void) | undefined };

/**
 * The app's own focus indicator for text fields, instead of the browser's heavy black outline in
 * the web build: a field at rest has no outline; a focused one gets a 2-point ring in the theme's
 * blue (its border plus a flush outline, so nothing shifts), visible to keyboard users everywhere.
 */
export function useFocusRing({ onFocus, onBlur }: Handlers = {}) {
  const [focused, setFocused] = useState(false);
  return {
    focused,
    style: [focusStyles.idle, focused && focusStyles.focused],
    handlers: {
      onFocus: (e: FocusEvent) => {
        setFocused(true);
        onFocus?.(e);
      },
      onBlur: (e: FocusEvent) => {
        setFocused(false);
        onBlur?.(e);
      },
    },
  };
}

export const focusStyles = StyleSheet.create({
  idle: { outlineStyle: 'solid', outlineWidth: 0, outlineOffset: 0, outlineColor: colors.blue },
  focused: { borderColor: colors.blue, outlineWidth: 1 },
});
