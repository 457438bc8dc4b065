import type { HTMLAttributes } from 'react';

export interface CardProps extends HTMLAttributes<HTMLElement> {
  /** `section` for a named region of the page; `article` for one item of a list. */
  as?: 'section' | 'article' | 'div';
}

export function Card({ as: Element = 'section', className = '', ...props }: CardProps) {
  return (
    <Element
      className={`rounded-lg border border-neutral-200 bg-white p-4 shadow-sm dark:border-neutral-800 dark:bg-neutral-900 ${className}`}
      {...props}
    />
  );
}
