import { useEffect, useEffectEvent, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../signalling/api';
import { CONTENT_LANG } from '../../ui/content';
import { useCatalog, useDocs } from './catalog';
import { LIST_NAMES, type LookupList } from './lookup';
import { pagePath, type ListPage } from './pagedList';

/** Options a search shows: enough to pick from, few enough to read on a phone. */
const OPTIONS = 20;
/** Typing pauses this long before the server is asked. */
const DEBOUNCE_MS = 200;

interface Props<T extends { id: string }> {
  list: LookupList;
  /** The chosen id ('' for none). */
  value: string;
  onChange: (id: string, doc: T | undefined) => void;
  /** What the input shows of a document, and what is searched (its name or title). */
  textOf: (doc: T) => string;
  /** A second line an option shows (a vacancy's employer, a warning). */
  detailOf?: (doc: T) => string;
  /** When set, a first option meaning "none chosen" (a filter's "every campaign"). */
  noneLabel?: string;
  /** Ids not offered (already in the lineup). */
  exclude?: ReadonlySet<string>;
  /** Narrowing sent with every search (a vacancy's employer). */
  params?: Readonly<Record<string, string | undefined>>;
  /** Told the options of each search (to read what they show beside them, such as employers' names). */
  onOptions?: (docs: T[]) => void;
  /** Picking hands the document over and empties the input (adding to a lineup). */
  clearOnPick?: boolean;
  /** The input's id, invalid mark and description, from a Field; or `label` for its accessible name. */
  control?: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined };
  label?: string;
  placeholder?: string;
}

/**
 * A search-as-you-type picker over a bureau list (the WAI-ARIA combobox pattern: a text input with a
 * listbox of options, arrow keys to move, Enter to pick, Escape to close). Every search asks the
 * server for its first OPTIONS matches, newest first, so a province's ten thousand vacancies are
 * never read into the console.
 */
export function CatalogPicker<T extends { id: string }>(props: Props<T>) {
  const { list, value, onChange, onOptions, textOf, detailOf, noneLabel, exclude, params, clearOnPick, control, label, placeholder } = props;
  const { t } = useTranslation();
  const { lookup, version } = useCatalog();
  const ownId = useId();
  const inputId = control?.id ?? `${ownId}-input`;
  const listId = `${ownId}-list`;
  const chosen = useDocs<T>(list, [value]).get(value) ?? undefined;
  const chosenText = chosen ? textOf(chosen) : '';
  const [text, setText] = useState<string>();
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<T[]>();
  /** The words (and narrowing) the options shown answer: until the answer to what is typed now comes, the keyboard picks nothing. */
  const [answered, setAnswered] = useState<string>();
  const [more, setMore] = useState(false);
  const [failed, setFailed] = useState(false);
  const [active, setActive] = useState(-1);
  const asked = useRef(0);
  const listRef = useRef<HTMLUListElement>(null);
  const told = useEffectEvent((docs: T[]) => onOptions?.(docs));
  const paramsKey = JSON.stringify(params ?? {});
  const query = (text ?? '').trim().slice(0, 40);
  const asking = JSON.stringify([query, paramsKey]);
  const fresh = answered === asking;

  // Each change of the text (or of the narrowing) asks once typing pauses; a late answer is dropped.
  useEffect(() => {
    if (!open) return;
    const ask = ++asked.current;
    const timer = setTimeout(() => {
      const narrowing = JSON.parse(paramsKey) as Record<string, string | undefined>;
      api<ListPage<string, T>>(pagePath(list, { ...narrowing, q: query, order: 'newest', limit: String(OPTIONS) })).then(
        (page) => {
          if (ask !== asked.current) return;
          const docs = page[LIST_NAMES[list]] ?? [];
          lookup.remember(list, docs);
          setOptions(docs);
          setAnswered(asking);
          told(docs);
          setMore(page.next !== null);
          setFailed(false);
          setActive(-1);
        },
        () => ask === asked.current && setFailed(true),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [open, query, asking, list, paramsKey, lookup, version]);

  // The option the arrows moved to is brought into view (the list shows about six at a time on a phone).
  useEffect(() => {
    if (open && active >= 0) listRef.current?.children.item(active)?.scrollIntoView({ block: 'nearest' });
  }, [open, active]);

  const shown = (options ?? []).filter((doc) => !exclude?.has(doc.id));
  const choices: Array<{ id: string; doc: T | undefined; text: string; detail?: string | undefined }> = [
    ...(noneLabel && !clearOnPick ? [{ id: '', doc: undefined, text: noneLabel }] : []),
    ...shown.map((doc) => ({ id: doc.id, doc, text: textOf(doc), detail: detailOf?.(doc) })),
  ];

  function pick(index: number): void {
    const choice = choices[index];
    if (!choice) return;
    onChange(choice.id, choice.doc);
    setText(clearOnPick ? '' : undefined);
    setActive(-1);
    setOpen(false);
  }
  function close(): void {
    setOpen(false);
    // A filter emptied by hand means "none"; otherwise the input shows the choice again.
    if (noneLabel && text !== undefined && text.trim() === '' && value) onChange('', undefined);
    setText(clearOnPick ? '' : undefined);
    setActive(-1);
  }
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>): void {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) setOpen(true);
      // The options shown answer older words: the arrows wait for the answer to these.
      if (!fresh) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (choices.length === 0 ? -1 : (i + step + choices.length) % choices.length));
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      if (!fresh) return;
      if (active >= 0) pick(active);
      else if (choices.length === 1) pick(0);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  }

  // With more beyond the first OPTIONS, an empty list is not "nothing found": those shown were all left out (in the lineup already).
  const status = failed ? t('admin.picker.failed') : !fresh ? t('admin.picker.searching') : more ? t('admin.picker.more', { count: OPTIONS }) : shown.length === 0 ? t('admin.picker.none') : '';
  return (
    <div className="picker">
      <input
        id={inputId}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `${ownId}-opt-${active}` : undefined}
        aria-invalid={control?.['aria-invalid']}
        aria-describedby={control?.['aria-describedby']}
        aria-label={control ? undefined : label}
        lang={text === undefined && chosen ? CONTENT_LANG : undefined}
        placeholder={placeholder ?? (noneLabel && !clearOnPick ? noneLabel : t('admin.picker.hint'))}
        maxLength={40}
        value={text ?? chosenText}
        onChange={(e) => {
          setText(e.target.value);
          setActive(-1);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onClick={() => setOpen(true)}
        onBlur={close}
        onKeyDown={onKeyDown}
      />
      <div className="picker-popup" hidden={!open}>
        <ul ref={listRef} id={listId} role="listbox" aria-label={label ?? t('admin.picker.options')}>
          {open &&
            choices.map((choice, i) => (
              <li
                key={choice.id || 'none'}
                id={`${ownId}-opt-${i}`}
                role="option"
                aria-selected={choice.id === value}
                data-active={i === active || undefined}
                // Picked before the input's blur closes the list.
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(i);
                }}
              >
                <span lang={choice.doc ? CONTENT_LANG : undefined}>{choice.text}</span>
                {choice.detail && (
                  <span className="muted" lang={CONTENT_LANG}>
                    {choice.detail}
                  </span>
                )}
              </li>
            ))}
        </ul>
        {open && status && (
          <p className="muted picker-status" role="status">
            {status}
          </p>
        )}
      </div>
    </div>
  );
}
