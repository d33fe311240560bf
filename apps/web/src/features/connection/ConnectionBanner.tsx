import { useAppDispatch, useAppSelector } from '../../app/hooks.ts';
import { problemDismissed, selectConnectionProblem, selectIsReconnecting } from './connectionSlice.ts';

/**
 * A dropped connection comes back by itself; until then people should know why nothing moves.
 * What the server refused outside any form is said here too, in its own words.
 */
export function ConnectionBanner() {
  const dispatch = useAppDispatch();
  const reconnecting = useAppSelector(selectIsReconnecting);
  const problem = useAppSelector(selectConnectionProblem);
  return (
    <>
      <div role="status" aria-live="polite">
        {reconnecting && (
          <p className="flex items-center justify-center gap-2 bg-amber-50 px-4 py-1.5 text-center text-sm font-medium text-amber-900">
            <span className="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden="true" />
            Reconnecting… messages you send will go out once you are back online.
          </p>
        )}
      </div>
      <div role="alert">
        {problem && (
          <p className="flex items-center justify-center gap-3 bg-red-50 px-4 py-1.5 text-center text-sm text-red-800">
            {problem}
            <button
              type="button"
              onClick={() => dispatch(problemDismissed())}
              className="rounded font-semibold underline-offset-2 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-red-400"
            >
              Dismiss
            </button>
          </p>
        )}
      </div>
    </>
  );
}
