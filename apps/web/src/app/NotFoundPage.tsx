import { Link } from 'react-router';
import { CenteredLayout, linkClass } from '../components/CenteredLayout.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Page not found</PageHeading>
      <p className="mt-2 text-slate-600">There is nothing at this address.</p>
      <p className="mt-6">
        <Link to="/" className={linkClass}>
          Go to the front page
        </Link>
      </p>
    </CenteredLayout>
  );
}
