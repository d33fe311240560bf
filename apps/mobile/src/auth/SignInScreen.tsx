import { ApiError } from '@tandem/client';
import { LoginRequest, loginIdentifier } from '@tandem/protocol';
import { useEffect, useState } from 'react';
import { BackHandler, KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { Button } from '../components/Button.tsx';
import { Field } from '../components/Field.tsx';
import { errorMessage, firstIssue } from '../errors.ts';
import { useServices } from '../services.tsx';
import { colors } from '../theme.ts';
import { useAuth } from './AuthProvider.tsx';

/** "I have an account: sign in", reached from the front page; back there as a guest instead. */
export function SignInScreen({ onBack }: { onBack(): void }) {
  const auth = useAuth();
  const { serverUrl } = useServices();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (Platform.OS === 'web') return;
    const sub = BackHandler.addEventListener('hardwareBackPress', () => {
      onBack();
      return true;
    });
    return () => sub.remove();
  }, [onBack]);

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
      await auth.signIn(loginIdentifier(parsed.data), parsed.data.password);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'Wrong username or password.' : errorMessage(e, serverUrl));
      setBusy(false);
    }
  };

  return (
    <SafeAreaView style={styles.screen}>
      <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={styles.flex}>
        <ScrollView contentContainerStyle={styles.content} keyboardShouldPersistTaps="handled">
          <Text accessibilityRole="header" style={styles.title}>
            Sign in
          </Text>
          <View style={styles.form}>
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
            <Button tone="plain" label="Continue as a guest instead" onPress={onBack} />
          </View>
        </ScrollView>
      </KeyboardAvoidingView>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.white },
  flex: { flex: 1 },
  content: { padding: 24, paddingTop: 48, gap: 24, maxWidth: 480, width: '100%', alignSelf: 'center' },
  title: { fontSize: 28, fontWeight: '700', color: colors.text },
  form: { gap: 14 },
});
