import { useEffect } from 'react';
import { Linking, Platform } from 'react-native';
import { type InviteLink, parseInviteLink } from './invite.ts';

/**
 * Calls `onInvite` with each invite link the app is opened with: the one it was started from
 * (`Linking.getInitialURL()`: a tapped `tandem://join/…` link, or on the web build the page's own
 * address) and those that arrive while it runs (`url` events). Other addresses are ignored.
 *
 * On the web build the key must not stay in the address bar, the history or a copied link: the
 * address goes back to the app's own `/` at once (the link was read at start-up, and the app has
 * no other pages to return to), as the web app wipes it.
 */
export function useInviteLinks(onInvite: (invite: InviteLink) => void): void {
  useEffect(() => {
    let live = true;
    const handle = (url: string | null | undefined) => {
      const invite = url ? parseInviteLink(url) : undefined;
      if (invite && live) onInvite(invite);
    };
    Linking.getInitialURL().then(handle, () => {});
    if (Platform.OS === 'web' && typeof location !== 'undefined' && parseInviteLink(location.href)) {
      history.replaceState(history.state, '', '/');
    }
    const subscription = Linking.addEventListener('url', ({ url }: { url: string }) => handle(url));
    return () => {
      live = false;
      subscription.remove();
    };
  }, [onInvite]);
}
