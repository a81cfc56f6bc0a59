import type { ReactNode } from 'react';

export type BadgeTone = 'verified' | 'warm' | 'access' | 'neutral';

/**
 * A short label on a vacancy or a row: verified by the bureau, a love / public-welfare position,
 * an accessibility fact. `as="li"` inside a `<ul className="badges">` list.
 */
export function Badge({ tone = 'neutral', as: Tag = 'span', lang, children }: {
  tone?: BadgeTone;
  as?: 'span' | 'li';
  lang?: string | undefined;
  children: ReactNode;
}) {
  return (
    <Tag className={`badge badge-${tone}`} lang={lang}>
      {children}
    </Tag>
  );
}
