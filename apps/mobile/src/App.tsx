import { StatusBar } from 'expo-status-bar';
import { useCallback, useMemo, useState } from 'react';
import { ActivityIndicator, StyleSheet, Text, View } from 'react-native';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { AuthProvider, useAuth } from './auth/AuthProvider.tsx';
import { WelcomeScreen } from './auth/WelcomeScreen.tsx';
import { ChatScreen } from './chat/ChatScreen.tsx';
import { Button } from './components/Button.tsx';
import { installRandomSource } from './platform/random.ts';
import { secureKeyValueStore } from './platform/secureStore.ts';
import { serverUrl } from './platform/serverUrl.ts';
import { FrontScreen, type OpenRoom } from './rooms/FrontScreen.tsx';
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

/** Two pages, as in seed 000: the front page and a room's chat page. */
function Screens() {
  const auth = useAuth();
  const [room, setRoom] = useState<OpenRoom | null>(null);
  const back = useCallback(() => setRoom(null), []);
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
  if (auth.status === 'signedOut') return <WelcomeScreen />;
  if (room) return <ChatScreen key={room.id} room={room} onBack={back} />;
  return <FrontScreen onOpen={setRoom} />;
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
