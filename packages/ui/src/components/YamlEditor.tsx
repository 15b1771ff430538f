import { type KeyboardEvent, useRef, useState } from 'react';

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Line (1-based) → messages, drawn in the gutter and as a band behind the line. */
  marks: Map<number, string[]>;
  testId: string;
  /** Told where the cursor is after each edit, click or key (config key completion reads it). */
  onCursor?: (offset: number, textarea: HTMLTextAreaElement) => void;
}

/**
 * A textarea with a line-number gutter. Lines never wrap, so line N of the text is row N on
 * screen and the server's `issues[].line` can be marked exactly. Lighter than a code editor
 * component, and a plain textarea is what browsers, screen readers and tests handle best.
 */
export function YamlEditor({ value, onChange, marks, testId, onCursor }: Props) {
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const area = useRef<HTMLTextAreaElement>(null);
  const lineCount = value.split('\n').length;
  const lines = Array.from({ length: lineCount }, (_, i) => i + 1);

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // YAML is indented with spaces; Tab inserting two keeps the user in the editor.
    if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    const el = e.currentTarget;
    const { selectionStart: s, selectionEnd: end } = el;
    const next = `${value.slice(0, s)}  ${value.slice(end)}`;
    onChange(next);
    requestAnimationFrame(() => {
      el.selectionStart = el.selectionEnd = s + 2;
    });
  };

  return (
    <div className="yaml-editor" data-testid={`${testId}-container`}>
      <div className="yaml-gutter mono" aria-hidden="true">
        <div style={{ transform: `translateY(${-scroll.top}px)` }}>
          {lines.map((n) => {
            const msgs = marks.get(n);
            return (
              <div
                key={n}
                className={msgs ? 'gutter-line has-issue' : 'gutter-line'}
                title={msgs?.join('\n')}
                data-testid={msgs ? `${testId}-issue-line-${n}` : undefined}
              >
                {n}
              </div>
            );
          })}
        </div>
      </div>
      <div className="yaml-body">
        <div className="yaml-bands" aria-hidden="true" style={{ transform: `translateY(${-scroll.top}px)` }}>
          {lines.map((n) => (
            <div key={n} className={marks.has(n) ? 'band has-issue' : 'band'} />
          ))}
        </div>
        <textarea
          ref={area}
          className="yaml-text mono"
          value={value}
          spellCheck={false}
          wrap="off"
          autoCapitalize="off"
          autoComplete="off"
          aria-label="Run config (YAML)"
          onChange={(e) => {
            onChange(e.target.value);
            onCursor?.(e.target.selectionStart, e.target);
          }}
          onSelect={(e) => onCursor?.(e.currentTarget.selectionStart, e.currentTarget)}
          onKeyDown={onKeyDown}
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
          data-testid={testId}
        />
      </div>
    </div>
  );
}
