import { NOTICE, payloadText, sealText } from '@tandem/client/e2e';
import type { Message } from '@tandem/protocol';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import {
  BackHandler,
  FlatList,
  KeyboardAvoidingView,
  Platform,
  Pressable,
  RefreshControl,
  StyleSheet,
  Text,
  View,
} from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useSignedIn } from '../auth/AuthProvider.tsx';
import { Button } from '../components/Button.tsx';
import { LockIcon } from '../components/LockIcon.tsx';
import { useEncryptedRoom } from '../e2e/useEncryptedRoom.ts';
import type { OpenRoom } from '../rooms/FrontScreen.tsx';
import { colors, TOUCH } from '../theme.ts';
import { Composer } from './Composer.tsx';
import { displayName, timeOf, typingLine } from './format.ts';
import { type BubbleProps, MessageBubble } from './MessageBubble.tsx';
import { useChatRoom } from './useChatRoom.ts';

type Item = { key: string; bubble: BubbleProps };

/**
 * The chat page of seed 000: back arrow and room name on top, blue and grey bubbles with their
 * times and "seen", "Start typing..." and the triangle at the bottom. In an encrypted room every
 * message is sealed on this phone and opened on this phone.
 */
export function ChatScreen({ room, onBack }: { room: OpenRoom; onBack(): void }) {
  const { user: me, realtime } = useSignedIn();
  const chat = useChatRoom(room, realtime, me);
  const e2e = useEncryptedRoom(room.id, me.id, room.encrypted, realtime, chat.messages);
  const keyState = e2e.state;

  useEffect(() => {
    if (Platform.OS === 'web') return;
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onBack();
      return true;
    });
    return () => sub.remove();
  }, [onBack]);

  const seal = useMemo(() => {
    if (!room.encrypted) return undefined;
    const identity = keyState?.identity;
    const roomKeys = keyState?.roomKeys;
    if (keyState?.status !== 'ready' || !identity || !roomKeys) return undefined;
    return (text: string) => (clientMessageId: string) =>
      sealText({ roomId: room.id, roomKeys, identity, clientMessageId, payload: { text, files: [] } });
  }, [room.encrypted, room.id, keyState]);

  const canSend = chat.joined && (!room.encrypted || seal !== undefined);
  const send = useCallback((text: string) => chat.send(text, seal?.(text)), [chat.send, seal]);

  const items = useMemo<Item[]>(() => {
    const seenUpTo = Math.max(
      0,
      ...Object.entries(chat.reads)
        .filter(([id]) => id !== me.id)
        .map(([, seq]) => seq),
    );
    const lastSeenMine = chat.messages.findLast((m) => m.sender.id === me.id && m.seq <= seenUpTo)?.id;
    const shown = chat.messages.map((m): Item => {
      const content = contentOf(m, e2e.opened);
      const mine = m.sender.id === me.id;
      return {
        key: m.id,
        bubble: {
          mine,
          sender: mine ? undefined : displayName(m.sender),
          text: content.text,
          notice: content.notice,
          time: timeOf(m.createdAt),
          status: m.id === lastSeenMine ? 'seen' : undefined,
        },
      };
    });
    const pending = chat.outgoing.map(
      (o): Item => ({
        key: o.clientMessageId,
        bubble: {
          mine: true,
          text: o.text,
          status: o.state,
          error: o.error,
          onRetry: () => chat.retry(o.clientMessageId, seal?.(o.text)),
        },
      }),
    );
    return [...shown, ...pending];
  }, [chat.messages, chat.outgoing, chat.reads, chat.retry, e2e.opened, me.id, seal]);

  const list = useRef<FlatList<Item>>(null);
  const atBottom = useRef(true);

  const banner =
    chat.joinError ??
    (chat.status === 'reconnecting' || chat.status === 'connecting'
      ? 'Reconnecting…'
      : room.encrypted && keyState?.status === 'waiting'
        ? NOTICE['no-key']
        : room.encrypted && keyState?.status === 'error'
          ? 'This phone could not read its keys. Sign out and in again.'
          : undefined);

  return (
    <SafeAreaView style={styles.screen} edges={['top', 'bottom', 'left', 'right']}>
      <View style={styles.header}>
        <Pressable
          accessibilityRole="button"
          accessibilityLabel="Back to rooms"
          onPress={onBack}
          hitSlop={8}
          style={styles.back}
        >
          <Text style={styles.backArrow}>←</Text>
        </Pressable>
        <View style={styles.titleBox}>
          <Text accessibilityRole="header" style={styles.title} numberOfLines={1}>
            {room.name}
          </Text>
          {room.encrypted ? (
            <View style={styles.lockLine}>
              <LockIcon />
              <Text style={styles.subtitle}>End-to-end encrypted</Text>
            </View>
          ) : (
            // A plain room made on the web: say so rather than let the lock be assumed.
            <Text style={styles.subtitle}>Not end-to-end encrypted</Text>
          )}
        </View>
      </View>
      {banner ? (
        <Text accessibilityRole="alert" accessibilityLiveRegion="polite" style={styles.banner}>
          {banner}
        </Text>
      ) : null}
      <KeyboardAvoidingView style={styles.flex} behavior={Platform.OS === 'ios' ? 'padding' : undefined}>
        <FlatList
          ref={list}
          accessibilityLabel="Messages"
          accessibilityRole="list"
          data={items}
          keyExtractor={(item) => item.key}
          renderItem={({ item }) => <MessageBubble {...item.bubble} />}
          contentContainerStyle={styles.list}
          keyboardShouldPersistTaps="handled"
          maintainVisibleContentPosition={{ minIndexForVisible: 0 }}
          refreshControl={
            chat.hasMore ? (
              <RefreshControl refreshing={chat.loadingOlder} onRefresh={() => void chat.loadOlder()} />
            ) : undefined
          }
          ListHeaderComponent={
            chat.hasMore ? (
              <View style={styles.older}>
                <Button
                  tone="plain"
                  label={chat.loadingOlder ? 'Loading…' : 'Load older messages'}
                  onPress={() => void chat.loadOlder()}
                  disabled={chat.loadingOlder}
                />
                {chat.olderError ? <Text style={styles.olderError}>{chat.olderError}</Text> : null}
              </View>
            ) : null
          }
          ListEmptyComponent={chat.joined ? <Text style={styles.empty}>No messages yet. Say hello!</Text> : null}
          onScroll={({ nativeEvent: n }) => {
            atBottom.current = n.contentOffset.y + n.layoutMeasurement.height >= n.contentSize.height - 80;
          }}
          scrollEventThrottle={100}
          onContentSizeChange={() => {
            if (atBottom.current) list.current?.scrollToEnd({ animated: false });
          }}
        />
        <Text style={styles.typing} accessibilityLiveRegion="polite">
          {typingLine(chat.typing)}
        </Text>
        <Composer disabled={!canSend} onSend={send} onTyping={chat.reportTyping} />
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

function contentOf(
  message: Message,
  opened: ReturnType<typeof useEncryptedRoom>['opened'],
): { text: string; notice: boolean } {
  if (!message.sealed) {
    const files = message.attachments.map((a) => `📎 ${a.name}`).join('\n');
    return { text: [message.body, files].filter(Boolean).join('\n'), notice: false };
  }
  const result = opened.get(message.id);
  if (!result) return { text: NOTICE.pending, notice: true };
  if (result.state !== 'open') return { text: NOTICE[result.state], notice: true };
  const files = result.payload.files.map((f) => `📎 ${f.name}`).join('\n');
  return { text: [payloadText(result.payload), files].filter(Boolean).join('\n'), notice: false };
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  flex: { flex: 1 },
  header: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: 4,
    paddingHorizontal: 4,
    minHeight: 56,
    borderBottomWidth: StyleSheet.hairlineWidth,
    borderBottomColor: colors.line,
  },
  back: { width: TOUCH, height: TOUCH, alignItems: 'center', justifyContent: 'center' },
  backArrow: { fontSize: 26, color: colors.text },
  titleBox: { flex: 1 },
  title: { fontSize: 18, fontWeight: '600', color: colors.text },
  subtitle: { fontSize: 12, color: colors.muted },
  lockLine: { flexDirection: 'row', alignItems: 'center', gap: 4 },
  banner: {
    backgroundColor: colors.warnBg,
    color: colors.warnText,
    paddingHorizontal: 16,
    paddingVertical: 8,
    fontSize: 14,
  },
  list: { paddingHorizontal: 12, paddingVertical: 12, flexGrow: 1 },
  older: { alignItems: 'center', marginBottom: 8 },
  olderError: { color: colors.danger, fontSize: 13 },
  empty: { textAlign: 'center', color: colors.muted, marginTop: 32 },
  typing: { minHeight: 18, paddingHorizontal: 16, fontSize: 13, color: colors.muted, fontStyle: 'italic' },
});
