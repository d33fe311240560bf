import { buildTimeline, displayName, firstUnreadSeq, typingLine } from '@tandem/client';
import { NOTICE, sealedAttachments, shownAttachments } from '@tandem/client/e2e';
import type { Attachment } from '@tandem/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';
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
import { InviteButton } from '../e2e/InviteButton.tsx';
import { useDecryptedFiles } from '../e2e/useDecryptedFiles.ts';
import { useEncryptedRoom } from '../e2e/useEncryptedRoom.ts';
import type { OpenRoom } from '../rooms/FrontScreen.tsx';
import { useServices } from '../services.tsx';
import { colors, TOUCH } from '../theme.ts';
import { Composer } from './Composer.tsx';
import { timeOf } from './format.ts';
import { type BubbleProps, MessageBubble } from './MessageBubble.tsx';
import { useRoomSession } from './useRoomSession.ts';

/** `unreadAbove`: the "New messages" line goes above it. */
type Item = { key: string; bubble: BubbleProps; unreadAbove?: boolean };

/**
 * The chat page of seed 000: back arrow and room name on top, blue and grey bubbles with their
 * times and "seen", "Start typing..." and the triangle at the bottom. The room itself is the
 * shared `RoomSession`; in an encrypted room every message is sealed and opened on this phone.
 */
export function ChatScreen({ room, onBack }: { room: OpenRoom; onBack(): void }) {
  const { user: me, realtime } = useSignedIn();
  const { rest, serverUrl } = useServices();
  const e2e = useEncryptedRoom(room.id, me.id, room.encrypted, realtime);
  const keyState = e2e.state;
  const { session, state: chat } = useRoomSession(room.id, me.id, realtime, rest, e2e.crypto);

  useEffect(() => {
    if (Platform.OS === 'web') return;
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onBack();
      return true;
    });
    return () => sub.remove();
  }, [onBack]);

  const joined = chat.phase === 'joined';
  const canSend = joined && (!room.encrypted || keyState?.status === 'ready');

  // Only what the list shows: a typing notice or a presence change does not rebuild it.
  const { messages, pending, reads, opened, notices } = chat;
  // The "New messages" line (the web app's, from the same room model): placed once, from the join
  // snapshot, and left there while the room is open.
  const [unread, setUnread] = useState<{ seq: number | undefined } | undefined>(undefined);
  if (!unread && chat.readWhenOpened !== undefined) {
    setUnread({ seq: firstUnreadSeq(messages, chat.readWhenOpened, me.id) });
  }
  const unreadSeq = unread?.seq;
  // Encrypted rooms: files are downloaded and decrypted on the phone.
  const fileUrls = useDecryptedFiles(serverUrl, messages, opened);
  const items = useMemo<Item[]>(
    () =>
      buildTimeline({ messages, pending, reads, opened, notices }, me.id).flatMap((item): Item[] => {
        if (item.type === 'message') {
          const { message: m, own } = item;
          return [
            {
              key: m.id,
              unreadAbove: m.seq === unreadSeq,
              bubble: {
                mine: own,
                sender: own ? undefined : displayName(m.sender),
                text: item.text,
                files: someFiles(shownAttachments(m, opened.get(m.id), fileUrls, { waiting: true })),
                notice: item.sealed !== null && item.sealed !== 'open',
                time: timeOf(m.createdAt),
                status: item.seen ? 'seen' : undefined,
              },
            },
          ];
        }
        if (item.type !== 'pending') return [];
        const { clientMessageId, body, status, error } = item.pending;
        return [
          {
            key: clientMessageId,
            bubble: {
              mine: true,
              text: body,
              files: someFiles(item.pending.attachments),
              status,
              error,
              onRetry: () => session.retry(clientMessageId),
            },
          },
        ];
      }),
    [messages, pending, reads, opened, notices, me.id, session, fileUrls, unreadSeq],
  );

  const list = useRef<FlatList<Item>>(null);
  const atBottom = useRef(true);

  const banner =
    (chat.phase === 'failed' ? chat.error : undefined) ??
    (chat.phase === 'removed' ? 'You are no longer in this room.' : undefined) ??
    (chat.connection === 'reconnecting' || chat.connection === 'connecting'
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
        {room.encrypted && keyState?.status === 'ready' ? (
          <InviteButton roomId={room.id} roomKeys={keyState.roomKeys} />
        ) : null}
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
          renderItem={({ item }) =>
            item.unreadAbove ? (
              <>
                <UnreadLine />
                <MessageBubble {...item.bubble} />
              </>
            ) : (
              <MessageBubble {...item.bubble} />
            )
          }
          contentContainerStyle={styles.list}
          keyboardShouldPersistTaps="handled"
          maintainVisibleContentPosition={{ minIndexForVisible: 0 }}
          refreshControl={
            chat.hasMore ? (
              <RefreshControl refreshing={chat.loadingOlder} onRefresh={() => void session.loadOlder()} />
            ) : undefined
          }
          ListHeaderComponent={
            chat.hasMore ? (
              <View style={styles.older}>
                <Button
                  tone="plain"
                  label={chat.loadingOlder ? 'Loading…' : 'Load older messages'}
                  onPress={() => void session.loadOlder()}
                  disabled={chat.loadingOlder}
                />
                {chat.olderError ? <Text style={styles.olderError}>{chat.olderError}</Text> : null}
              </View>
            ) : null
          }
          ListEmptyComponent={joined ? <Text style={styles.empty}>No messages yet. Say hello!</Text> : null}
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
        <Composer
          disabled={!canSend}
          encrypted={room.encrypted}
          // Encrypted rooms: the photos' keys go inside the sealed message, only ciphertext was uploaded.
          onSend={(text, files) =>
            session.send(text, room.encrypted ? sealedAttachments(files) : { attachments: files })
          }
          onTyping={(text) => session.setDraft(text)}
        />
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

/** Where your unread messages start (as they were when you opened the room). */
function UnreadLine() {
  return (
    <View style={styles.unread} accessible accessibilityLabel="New messages">
      <View style={styles.unreadRule} />
      <Text style={styles.unreadText}>New messages</Text>
      <View style={styles.unreadRule} />
    </View>
  );
}

/** A message's files for its bubble; none is undefined, so a bubble without files keeps its props. */
const someFiles = (files: readonly Attachment[]) => (files.length > 0 ? files : undefined);

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  flex: { flex: 1 },
  unread: { flexDirection: 'row', alignItems: 'center', gap: 8, marginVertical: 10 },
  unreadRule: { flex: 1, height: StyleSheet.hairlineWidth, backgroundColor: colors.danger },
  unreadText: { fontSize: 12, fontWeight: '600', color: colors.danger },
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
