import { StatusBar } from 'expo-status-bar';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ActivityIndicator, StyleSheet, Text, View } from 'react-native';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { AuthProvider, useAuth } from './auth/AuthProvider.tsx';
import { SignInScreen } from './auth/SignInScreen.tsx';
import { ChatScreen } from './chat/ChatScreen.tsx';
import { Button } from './components/Button.tsx';
import type { InviteLink } from './e2e/invite.ts';
import { useInviteLinks } from './e2e/useInviteLinks.ts';
import { installRandomSource } from './platform/random.ts';
import { secureKeyValueStore } from './platform/secureStore.ts';
import { serverUrl } from './platform/serverUrl.ts';
import { FrontScreen, type OpenRoom } from './rooms/FrontScreen.tsx';
import { InviteScreen } from './rooms/InviteScreen.tsx';
import { createServices, type Services, ServicesProvider } from './services.tsx';
import { colors } from './theme.ts';

/** The app as the phone starts it: native randomness, the secure store, the configured server. */
export function App() {
  const services = useMemo(() => {
    installRandomSource();
    return createServices(serverUrl(), secureKeyValueStore());
  }, []);
  return <Root services={services} />;
}

/** Everything below the platform set-up; tests render this with their own services. */
export function Root({ services }: { services: Services }) {
  return (
    <SafeAreaProvider>
      <ServicesProvider services={services}>
        <AuthProvider>
          <StatusBar style="dark" />
          <Screens />
        </AuthProvider>
      </ServicesProvider>
    </SafeAreaProvider>
  );
}

/**
 * Two pages, as in seed 000: the front page (the first screen, even before there is a session)
 * and a room's chat page; the sign-in page for people with an account; and, when the app is
 * opened with an encrypted room's invite link (`tandem://join/<roomId>#k=…`, or that path on the
 * web build), the page that joins it, which leads to the room's chat page.
 */
function Screens() {
  const auth = useAuth();
  const [room, setRoom] = useState<OpenRoom | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  // The invite link being opened, numbered so that each link opened starts afresh.
  const [invite, setInvite] = useState<{ link: InviteLink; n: number } | null>(null);
  useInviteLinks(useCallback((link: InviteLink) => setInvite((last) => ({ link, n: (last?.n ?? 0) + 1 })), []));
  const invited = useCallback((joined: OpenRoom) => {
    setInvite(null);
    setRoom(joined);
  }, []);
  const notInvited = useCallback(() => setInvite(null), []);
  const back = useCallback(() => setRoom(null), []);
  const signIn = useCallback(() => setSigningIn(true), []);
  const notSigningIn = useCallback(() => setSigningIn(false), []);
  const signedIn = auth.status === 'signedIn';
  useEffect(() => {
    if (signedIn) setSigningIn(false);
    else setRoom(null);
  }, [signedIn]);
  if (auth.status === 'loading') {
    return (
      <View style={styles.center}>
        <ActivityIndicator accessibilityLabel="Loading" color={colors.blue} size="large" />
      </View>
    );
  }
  if (auth.status === 'unreachable') {
    return (
      <View style={styles.center}>
        <Text accessibilityRole="alert" style={styles.problem}>
          {auth.message}
        </Text>
        <Button label="Try again" onPress={auth.retry} />
      </View>
    );
  }
  if (auth.status === 'signedOut' && signingIn) return <SignInScreen onBack={notSigningIn} />;
  if (invite) {
    return <InviteScreen key={invite.n} invite={invite.link} onOpen={invited} onBack={notInvited} onSignIn={signIn} />;
  }
  if (room && auth.status === 'signedIn') return <ChatScreen key={room.id} room={room} onBack={back} />;
  return <FrontScreen onOpen={setRoom} onSignIn={signIn} />;
}

const styles = StyleSheet.create({
  center: {
    flex: 1,
    alignItems: 'center',
    justifyContent: 'center',
    padding: 24,
    gap: 16,
    backgroundColor: colors.white,
  },
  problem: { fontSize: 16, color: colors.text, textAlign: 'center' },
});
