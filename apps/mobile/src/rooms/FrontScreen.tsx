import { ApiError } from '@tandem/client';
import { generateRoomKey } from '@tandem/crypto';
import { JoinByNameRequest, type RoomSummary, USERNAME_MAX } from '@tandem/protocol';
import { useRef, useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, type TextInput, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useAuth } from '../auth/AuthProvider.tsx';
import { Button } from '../components/Button.tsx';
import { Field } from '../components/Field.tsx';
import { LockIcon } from '../components/LockIcon.tsx';
import { errorMessage, firstIssue } from '../errors.ts';
import { useServices } from '../services.tsx';
import { colors } from '../theme.ts';
import { useGuestName } from './useGuestName.ts';

export type OpenRoom = Pick<RoomSummary, 'id' | 'name' | 'encrypted'>;

/**
 * The front page of seed 000 and the app's first screen: "Create Room" (blue) and "or join room"
 * (green). Without a session there is one more field above them, "Your name": the first create or
 * join makes a guest session under it (remembered on the phone). Rooms made here are end-to-end
 * encrypted: the room key is made on this phone and only ever leaves it wrapped for another
 * member's device.
 */
export function FrontScreen({ onOpen, onSignIn }: { onOpen(room: OpenRoom): void; onSignIn(): void }) {
  const { rest, e2e, serverUrl } = useServices();
  const auth = useAuth();
  const guest = useGuestName();
  const { user, check: checkName, sessionUser } = guest;
  const [createName, setCreateName] = useState('');
  const [joinName, setJoinName] = useState('');
  const [createError, setCreateError] = useState<string>();
  const [joinError, setJoinError] = useState<string>();
  const [busy, setBusy] = useState<'create' | 'join'>();
  const createField = useRef<TextInput>(null);

  const create = async () => {
    const guestName = user ? undefined : checkName();
    const parsed = JoinByNameRequest.shape.name.safeParse(createName);
    setCreateError(parsed.success ? undefined : firstIssue(parsed.error, 'The room name'));
    if (!parsed.success || (!user && guestName === undefined)) return;
    setBusy('create');
    try {
      const me = await sessionUser(guestName);
      if (!me) return;
      const { roomId, room } = await rest.createRoom({ name: parsed.data, encrypted: true });
      // Made here, kept in the secure store; the server only learns that the room is encrypted.
      await e2e.keys.saveRoomKey(me.id, roomId, 1, generateRoomKey());
      setCreateName('');
      onOpen({ id: roomId, name: room.name, encrypted: room.encrypted });
    } catch (e) {
      setCreateError(errorMessage(e, serverUrl));
    } finally {
      setBusy(undefined);
    }
  };

  const join = async () => {
    const guestName = user ? undefined : checkName();
    const parsed = JoinByNameRequest.shape.name.safeParse(joinName);
    setJoinError(parsed.success ? undefined : firstIssue(parsed.error, 'The room name'));
    if (!parsed.success || (!user && guestName === undefined)) return;
    setBusy('join');
    try {
      const me = await sessionUser(guestName);
      if (!me) return;
      // `create: false`: a mistyped name must not quietly make a new room.
      const { room } = await rest.joinByName({ name: parsed.data, create: false });
      setJoinName('');
      onOpen({ id: room.id, name: room.name, encrypted: room.encrypted });
    } catch (e) {
      setJoinError(
        e instanceof ApiError && e.status === 404
          ? `No room is called "${parsed.data}". Check the name, or create it above.`
          : errorMessage(e, serverUrl),
      );
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <SafeAreaView style={styles.screen}>
      <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={styles.flex}>
        <View style={styles.bar}>
          <Text style={styles.brand} accessibilityRole="header">
            Tandem
          </Text>
          {user ? (
            <View style={styles.account}>
              <Text style={styles.muted} numberOfLines={1}>
                {user.name ?? user.username}
              </Text>
              <Button tone="plain" label="Sign out" onPress={() => void auth.signOut()} />
            </View>
          ) : (
            <Button tone="plain" label="I have an account: sign in" onPress={onSignIn} />
          )}
        </View>
        <ScrollView contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
          {user ? null : (
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
              onSubmitEditing={() => createField.current?.focus()}
              returnKeyType="next"
              submitBehavior="submit"
              maxLength={USERNAME_MAX}
              error={guest.error}
            />
          )}
          <View style={styles.section}>
            <Text accessibilityRole="header" style={styles.heading}>
              Create Room
            </Text>
            <Field
              ref={createField}
              label="Enter new room name"
              placeholder="Enter new room name"
              value={createName}
              onChangeText={setCreateName}
              onSubmitEditing={create}
              returnKeyType="go"
              maxLength={64}
              error={createError}
            />
            <Button label="Create" tone="blue" onPress={create} busy={busy === 'create'} disabled={busy === 'join'} />
          </View>
          <Text accessibilityRole="header" style={styles.or}>
            or join room
          </Text>
          <View style={styles.section}>
            <Field
              label="Enter existing room name"
              placeholder="Enter existing room name"
              value={joinName}
              onChangeText={setJoinName}
              onSubmitEditing={join}
              returnKeyType="go"
              maxLength={64}
              error={joinError}
            />
            <Button label="Join" tone="green" onPress={join} busy={busy === 'join'} disabled={busy === 'create'} />
          </View>
          <View style={styles.noteLine}>
            <LockIcon />
            <Text style={styles.note}>
              Rooms you create are end-to-end encrypted: the key is made on this phone and the server never sees it.
            </Text>
          </View>
        </ScrollView>
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  flex: { flex: 1 },
  bar: {
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: 8,
    paddingLeft: 16,
    paddingRight: 4,
    borderBottomWidth: StyleSheet.hairlineWidth,
    borderBottomColor: colors.line,
  },
  brand: { fontSize: 20, fontWeight: '700', color: colors.text },
  account: { flexDirection: 'row', alignItems: 'center', flexShrink: 1, gap: 4 },
  muted: { color: colors.muted, fontSize: 14, flexShrink: 1 },
  content: { padding: 24, gap: 20, maxWidth: 480, width: '100%', alignSelf: 'center' },
  section: { gap: 12 },
  heading: { fontSize: 22, fontWeight: '700', color: colors.text },
  or: { fontSize: 18, fontWeight: '600', color: colors.muted, textAlign: 'center', marginTop: 8 },
  noteLine: { flexDirection: 'row', gap: 8, marginTop: 8 },
  note: { flex: 1, fontSize: 13, color: colors.muted, lineHeight: 18 },
});
