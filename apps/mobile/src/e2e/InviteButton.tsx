import { inviteLink, type RoomKeys } from '@tandem/client/e2e';
import { useEffect, useState } from 'react';
import { Platform, Pressable, Share, StyleSheet, Text, View } from 'react-native';
import { useServices } from '../services.tsx';
import { colors, TOUCH } from '../theme.ts';
import { webOrigin } from './invite.ts';

const COPIED = 'Invite link copied: anyone with it can read this room';
const FAILED = 'Could not share the link. Try again.';

/**
 * "Share invite link" in an encrypted room's header, once this phone holds the room's key: the
 * web app's `<server>/join/<roomId>#k=<key>` link (the shared `inviteLink`), which opens in any
 * browser and in this app. The phone's share sheet sends it; the web build uses the browser's
 * share sheet where there is one and copies the link otherwise.
 */
export function InviteButton({ roomId, roomKeys }: { roomId: string; roomKeys: RoomKeys }) {
  const { serverUrl } = useServices();
  const [note, setNote] = useState<string>();
  const link = inviteLink(webOrigin(serverUrl), roomId, roomKeys);

  useEffect(() => {
    if (!note) return;
    const timer = setTimeout(() => setNote(undefined), 4000);
    return () => clearTimeout(timer);
  }, [note]);

  if (!link) return null;

  const share = async () => {
    try {
      if (Platform.OS === 'web' && typeof navigator !== 'undefined' && !navigator.share) {
        await navigator.clipboard.writeText(link);
        setNote(COPIED);
        return;
      }
      await Share.share({ message: link, title: 'Invite to an encrypted Tandem room' });
    } catch (error) {
      // Closing the browser's share sheet is not a failure.
      if (error instanceof Error && error.name === 'AbortError') return;
      setNote(FAILED);
    }
  };

  return (
    <View>
      <Pressable
        accessibilityRole="button"
        accessibilityLabel="Share invite link"
        accessibilityHint="Anyone with the link can join and read this room"
        onPress={() => void share()}
        hitSlop={4}
        style={({ pressed }) => [styles.button, pressed && styles.pressed]}
      >
        <Text style={styles.label}>Share invite link</Text>
      </Pressable>
      {note ? (
        <Text accessibilityRole="alert" accessibilityLiveRegion="polite" style={styles.note}>
          {note}
        </Text>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  button: {
    minHeight: TOUCH,
    justifyContent: 'center',
    paddingHorizontal: 10,
    borderRadius: 10,
  },
  pressed: { backgroundColor: colors.field },
  label: { color: colors.blue, fontSize: 14, fontWeight: '600' },
  note: {
    position: 'absolute',
    top: TOUCH,
    right: 0,
    width: 220,
    padding: 8,
    borderRadius: 8,
    backgroundColor: colors.text,
    color: colors.white,
    fontSize: 13,
    zIndex: 10,
  },
});
