import type { HTMLAttributes, ReactNode } from 'react';

export type CardTone = 'plain' | 'featured' | 'warn';

export type CardProps = HTMLAttributes<HTMLElement> & {
  /** The element: an article for a self-contained item (a vacancy), a section for a part of the page. */
  as?: 'article' | 'section' | 'aside' | 'div' | 'li' | undefined;
  /** plain: a surface; featured: the brand edge and a shadow (what is pinned now); warn: needs attention. */
  tone?: CardTone | undefined;
  /** The id of the card's heading, so the card is a named region. */
  labelledBy?: string | undefined;
  children?: ReactNode;
};

/** A surface with padding and rounded corners; page classes (pinned-card, chapter…) add layout. */
export function Card({ as: Tag = 'section', tone = 'plain', labelledBy, className, children, ...rest }: CardProps) {
  return (
    <Tag className={['card', `card-${tone}`, className].filter(Boolean).join(' ')} aria-labelledby={labelledBy} {...rest}>
      {children}
    </Tag>
  );
}
