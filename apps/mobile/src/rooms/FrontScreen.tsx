import { ApiError } from '@tandem/client';
import { generateRoomKey } from '@tandem/crypto';
import { JoinByNameRequest, type RoomSummary } from '@tandem/protocol';
import { useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useAuth, useSignedIn } from '../auth/AuthProvider.tsx';
import { Button } from '../components/Button.tsx';
import { Field } from '../components/Field.tsx';
import { LockIcon } from '../components/LockIcon.tsx';
import { errorMessage, firstIssue } from '../errors.ts';
import { useServices } from '../services.tsx';
import { colors } from '../theme.ts';

export type OpenRoom = Pick<RoomSummary, 'id' | 'name' | 'encrypted'>;

/**
 * The front page of seed 000: "Create Room" (blue) and "or join room" (green). Rooms made here are
 * end-to-end encrypted: the room key is made on this phone and only ever leaves it wrapped for
 * another member's device.
 */
export function FrontScreen({ onOpen }: { onOpen(room: OpenRoom): void }) {
  const { rest, e2e, serverUrl } = useServices();
  const { user } = useSignedIn();
  const auth = useAuth();
  const [createName, setCreateName] = useState('');
  const [joinName, setJoinName] = useState('');
  const [createError, setCreateError] = useState<string>();
  const [joinError, setJoinError] = useState<string>();
  const [busy, setBusy] = useState<'create' | 'join'>();

  const create = async () => {
    const parsed = JoinByNameRequest.shape.name.safeParse(createName);
    if (!parsed.success) return setCreateError(firstIssue(parsed.error, 'The room name'));
    setCreateError(undefined);
    setBusy('create');
    try {
      const { roomId, room } = await rest.createRoom({ name: parsed.data, encrypted: true });
      // Made here, kept in the secure store; the server only learns that the room is encrypted.
      await e2e.keys.saveRoomKey(user.id, roomId, 1, generateRoomKey());
      setCreateName('');
      onOpen({ id: roomId, name: room.name, encrypted: room.encrypted });
    } catch (e) {
      setCreateError(errorMessage(e, serverUrl));
    } finally {
      setBusy(undefined);
    }
  };

  const join = async () => {
    const parsed = JoinByNameRequest.shape.name.safeParse(joinName);
    if (!parsed.success) return setJoinError(firstIssue(parsed.error, 'The room name'));
    setJoinError(undefined);
    setBusy('join');
    try {
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
          <View style={styles.account}>
            <Text style={styles.muted} numberOfLines={1}>
              {user.name ?? user.username}
            </Text>
            <Button tone="plain" label="Sign out" onPress={() => void auth.signOut()} />
          </View>
        </View>
        <ScrollView contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
          <View style={styles.section}>
            <Text accessibilityRole="header" style={styles.heading}>
              Create Room
            </Text>
            <Field
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
    paddingHorizontal: 16,
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
