import { useEffect } from 'react';

/** The tab title names the page: the first thing a screen reader says after a navigation. */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Tandem` : 'Tandem';
  }, [title]);
}
