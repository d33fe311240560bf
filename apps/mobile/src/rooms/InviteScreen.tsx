import { ApiError } from '@tandem/client';
import { USERNAME_MAX } from '@tandem/protocol';
import { useEffect, useState } from 'react';
import {
  ActivityIndicator,
  BackHandler,
  KeyboardAvoidingView,
  Platform,
  ScrollView,
  StyleSheet,
  Text,
  View,
} from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { Button } from '../components/Button.tsx';
import { Field } from '../components/Field.tsx';
import { LockIcon } from '../components/LockIcon.tsx';
import type { InviteLink } from '../e2e/invite.ts';
import { errorMessage } from '../errors.ts';
import { useServices } from '../services.tsx';
import { colors } from '../theme.ts';
import type { OpenRoom } from './FrontScreen.tsx';
import { useGuestName } from './useGuestName.ts';

export const NO_KEY = 'This invite link has no valid key. Ask for the link again, and copy all of it.';
export const UNKNOWN_ROOM =
  'This server has no room for this invite link. The room may have been deleted, or the link is for another Tandem server.';

/**
 * An encrypted room's invite link, opened on the phone (the web app's `/join/<roomId>#k=<key>`):
 * without a session it asks for a name first (a guest session, as the front page makes); then it
 * joins the room by id, keeps the key from the link in the secure store, and opens the chat. A
 * link without a usable key, or for a room the server does not know, says so with a way back.
 */
export function InviteScreen({
  invite,
  onOpen,
  onBack,
  onSignIn,
}: {
  invite: InviteLink;
  onOpen(room: OpenRoom): void;
  onBack(): void;
  onSignIn(): void;
}) {
  const { rest, e2e, serverUrl } = useServices();
  const guest = useGuestName();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { roomId, secret } = invite;

  useEffect(() => {
    if (Platform.OS === 'web') return;
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onBack();
      return true;
    });
    return () => sub.remove();
  }, [onBack]);

  // Signed in (already, or just now under the name typed here): join, keep the key, open.
  const userId = guest.user?.id;
  useEffect(() => {
    if (!secret || !userId) return;
    let live = true;
    (async () => {
      const { room } = await rest.joinById(roomId);
      await e2e.keys.saveRoomKey(userId, roomId, secret.epoch, secret.key);
      if (live) onOpen({ id: room.id, name: room.name, encrypted: room.encrypted });
    })().catch((error: unknown) => {
      if (!live) return;
      setProblem(error instanceof ApiError && error.status === 404 ? UNKNOWN_ROOM : errorMessage(error, serverUrl));
    });
    return () => {
      live = false;
    };
  }, [secret, userId, roomId, rest, e2e, serverUrl, onOpen]);

  const join = async () => {
    const name = guest.check();
    if (name === undefined) return;
    setBusy(true);
    try {
      await guest.sessionUser(name);
    } finally {
      setBusy(false);
    }
  };

  if (!secret || problem) {
    return (
      <SafeAreaView style={styles.screen}>
        <View style={styles.content}>
          <Text accessibilityRole="header" style={styles.title}>
            Cannot join
          </Text>
          <Text accessibilityRole="alert" style={styles.text}>
            {problem ?? NO_KEY}
          </Text>
          <Button label="Back to rooms" onPress={onBack} />
        </View>
      </SafeAreaView>
    );
  }

  if (guest.user) {
    return (
      <SafeAreaView style={[styles.screen, styles.center]}>
        <ActivityIndicator color={colors.blue} size="large" />
        <Text accessibilityLiveRegion="polite" style={styles.text}>
          Joining the room…
        </Text>
      </SafeAreaView>
    );
  }

  return (
    <SafeAreaView style={styles.screen}>
      <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={styles.flex}>
        <ScrollView contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
          <Text accessibilityRole="header" style={styles.title}>
            Join the encrypted room
          </Text>
          <View style={styles.noteLine}>
            <LockIcon />
            <Text style={styles.note}>
              You were invited to an end-to-end encrypted room. Pick a name the others will see.
            </Text>
          </View>
          <Field
            ref={guest.field}
            label="Your name"
            showLabel
            placeholder="e.g. alice"
            autoCapitalize="none"
            autoComplete="username"
            textContentType="username"
            value={guest.name}
            onChangeText={guest.setName}
            onSubmitEditing={join}
            returnKeyType="go"
            maxLength={USERNAME_MAX}
            error={guest.error}
          />
          <Button label="Join" tone="green" onPress={join} busy={busy} />
          <Button tone="plain" label="I have an account: sign in" onPress={onSignIn} />
          <Button tone="plain" label="Not now: back to rooms" onPress={onBack} />
        </ScrollView>
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  center: { alignItems: 'center', justifyContent: 'center', gap: 16, padding: 24 },
  flex: { flex: 1 },
  content: { padding: 24, paddingTop: 48, gap: 20, maxWidth: 480, width: '100%', alignSelf: 'center' },
  title: { fontSize: 28, fontWeight: '700', color: colors.text },
  text: { fontSize: 16, color: colors.text, lineHeight: 22 },
  noteLine: { flexDirection: 'row', gap: 8 },
  note: { flex: 1, fontSize: 14, color: colors.muted, lineHeight: 20 },
});
