import { ApiError } from '@tandem/client';
import { GuestRequest, LoginRequest } from '@tandem/protocol';
import { useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { Button } from '../components/Button.tsx';
import { Field } from '../components/Field.tsx';
import { errorMessage, firstIssue } from '../errors.ts';
import { useServices } from '../services.tsx';
import { colors } from '../theme.ts';
import { useAuth } from './AuthProvider.tsx';

/** First launch: pick a username (a guest session that can become an account later) or sign in. */
export function WelcomeScreen() {
  const [mode, setMode] = useState<'guest' | 'signIn'>('guest');
  return (
    <SafeAreaView style={styles.screen}>
      <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={styles.flex}>
        <ScrollView contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
          <Text accessibilityRole="header" style={styles.title}>
            Tandem
          </Text>
          <Text style={styles.subtitle}>Chat rooms, end-to-end encrypted.</Text>
          {mode === 'guest' ? (
            <GuestForm onSignIn={() => setMode('signIn')} />
          ) : (
            <SignInForm onGuest={() => setMode('guest')} />
          )}
        </ScrollView>
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

function GuestForm({ onSignIn }: { onSignIn(): void }) {
  const auth = useAuth();
  const { serverUrl } = useServices();
  const [username, setUsername] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const parsed = GuestRequest.safeParse({ username });
    if (!parsed.success) {
      setError(firstIssue(parsed.error, 'Username'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await auth.continueAsGuest(parsed.data.username);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409 ? 'That username is taken. Try another.' : errorMessage(e, serverUrl),
      );
      setBusy(false);
    }
  };
  return (
    <View style={styles.form}>
      <Text accessibilityRole="header" style={styles.heading}>
        What should we call you?
      </Text>
      <Field
        label="Username"
        placeholder="Your username"
        autoCapitalize="none"
        autoComplete="username"
        returnKeyType="go"
        value={username}
        onChangeText={setUsername}
        onSubmitEditing={submit}
        error={error}
      />
      <Button label="Continue" onPress={submit} busy={busy} />
      <Button tone="plain" label="I have an account: sign in" onPress={onSignIn} />
    </View>
  );
}

function SignInForm({ onGuest }: { onGuest(): void }) {
  const auth = useAuth();
  const { serverUrl } = useServices();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const parsed = LoginRequest.safeParse({ login, password });
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0] === 'password' ? 'Password' : 'Username or e-mail';
      setError(firstIssue(parsed.error, field));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await auth.signIn(parsed.data.login, parsed.data.password);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'Wrong username or password.' : errorMessage(e, serverUrl));
      setBusy(false);
    }
  };
  return (
    <View style={styles.form}>
      <Text accessibilityRole="header" style={styles.heading}>
        Sign in
      </Text>
      <Field
        label="Username or e-mail"
        placeholder="Username or e-mail"
        autoCapitalize="none"
        autoComplete="username"
        value={login}
        onChangeText={setLogin}
      />
      <Field
        label="Password"
        placeholder="Password"
        secureTextEntry
        autoComplete="current-password"
        returnKeyType="go"
        value={password}
        onChangeText={setPassword}
        onSubmitEditing={submit}
        error={error}
      />
      <Button label="Sign in" onPress={submit} busy={busy} />
      <Button tone="plain" label="Continue as a guest instead" onPress={onGuest} />
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  flex: { flex: 1 },
  content: { padding: 24, paddingTop: 64, gap: 8, maxWidth: 480, width: '100%', alignSelf: 'center' },
  title: { fontSize: 34, fontWeight: '700', color: colors.text },
  subtitle: { fontSize: 16, color: colors.muted, marginBottom: 32 },
  form: { gap: 14 },
  heading: { fontSize: 20, fontWeight: '600', color: colors.text },
});
