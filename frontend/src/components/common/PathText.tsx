import { Fragment } from 'react';

/**
 * A path or repo id that breaks after its `/` separators first (each is followed by a `<wbr>`), and
 * anywhere only when one segment alone is wider than the line (`wrap-anywhere`). The text is unchanged.
 */
export function PathText({ text, className = '' }: { text: string; className?: string }) {
  const parts = text.split('/');
  return (
    <span className={`wrap-anywhere ${className}`}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              /<wbr />
            </>
          )}
        </Fragment>
      ))}
    </span>
  );
}
