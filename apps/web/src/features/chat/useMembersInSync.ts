import type { Member, PublicUser } from '@tandem/protocol';
import { useEffect, useRef } from 'react';

/**
 * Someone present whom the member list does not know joined after it was fetched: fetch it
 * again, once per such person, so the list never loops on a member the server lags behind on.
 */
export function useMembersInSync(
  present: readonly PublicUser[] | undefined,
  members: readonly Member[] | undefined,
  refetch: () => void,
) {
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!present || !members) return;
    const known = new Set(members.map((m) => m.user.id));
    const unknown = present.filter((u) => !known.has(u.id) && !asked.current.has(u.id));
    if (unknown.length === 0) return;
    for (const user of unknown) asked.current.add(user.id);
    refetch();
  }, [present, members, refetch]);
}
