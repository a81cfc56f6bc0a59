import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { LineupItem, openFlags } from '@chunfeng/shared/recruitment';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import type { Catalog } from './catalog';

const keyOf = (item: LineupItem): string => `${item.kind}:${item.id}`;

/**
 * The order the host will present a session in: drag a row by its handle (mouse, touch, or keyboard:
 * Space to pick up, arrows to move, Space to drop), or use its up/down buttons; add and remove items.
 */
export function LineupEditor({ lineup, onChange, catalog }: { lineup: LineupItem[]; onChange: (next: LineupItem[]) => void; catalog: Catalog }) {
  const { t } = useTranslation();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const titleOf = (item: LineupItem): string =>
    item.kind === 'vacancy' ? (catalog.vacancies.find((v) => v.id === item.id)?.title ?? item.id) : (catalog.policies.find((p) => p.id === item.id)?.title ?? item.id);
  const employerOf = (item: LineupItem): string => {
    if (item.kind !== 'vacancy') return t('admin.policyCard');
    const employerId = catalog.vacancies.find((v) => v.id === item.id)?.employerId;
    return catalog.employers.find((e) => e.id === employerId)?.name ?? '';
  };
  const keys = lineup.map(keyOf);
  const nameOfKey = (key: string | number): string => {
    const item = lineup.find((i) => keyOf(i) === key);
    return item ? titleOf(item) : String(key);
  };
  const positionOf = (key: string | number | undefined): number => keys.indexOf(String(key)) + 1;
  const announcements: Announcements = {
    onDragStart: ({ active }) => t('admin.lineup.picked', { title: nameOfKey(active.id), position: positionOf(active.id), total: keys.length }),
    onDragOver: ({ active, over }) => (over ? t('admin.lineup.over', { title: nameOfKey(active.id), position: positionOf(over.id) }) : undefined),
    onDragEnd: ({ active, over }) => (over ? t('admin.lineup.dropped', { title: nameOfKey(active.id), position: positionOf(over.id) }) : undefined),
    onDragCancel: ({ active }) => t('admin.lineup.cancelled', { title: nameOfKey(active.id) }),
  };

  function move(from: number, to: number): void {
    if (to < 0 || to >= lineup.length) return;
    onChange(arrayMove(lineup, from, to));
  }
  function dragEnd({ active, over }: DragEndEvent): void {
    if (!over || active.id === over.id) return;
    move(keys.indexOf(String(active.id)), keys.indexOf(String(over.id)));
  }

  return (
    <div className="lineup-editor">
      {lineup.length === 0 ? (
        <p className="muted">{t('admin.lineup.empty')}</p>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={dragEnd}
          accessibility={{ announcements, screenReaderInstructions: { draggable: t('admin.lineup.instructions') } }}
        >
          <SortableContext items={keys} strategy={verticalListSortingStrategy}>
            <ol className="lineup-order" aria-label={t('admin.lineup.title')}>
              {lineup.map((item, index) => (
                <SortableRow
                  key={keyOf(item)}
                  id={keyOf(item)}
                  title={titleOf(item)}
                  subtitle={employerOf(item)}
                  index={index}
                  count={lineup.length}
                  onMove={(to) => move(index, to)}
                  onRemove={() => onChange(lineup.filter((_, i) => i !== index))}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}
      <AddItems lineup={lineup} catalog={catalog} onAdd={(item) => onChange([...lineup, item])} />
    </div>
  );
}

function SortableRow({ id, title, subtitle, index, count, onMove, onRemove }: {
  id: string;
  title: string;
  subtitle: string;
  index: number;
  count: number;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  return (
    <li ref={setNodeRef} className="lineup-row" data-lineup-item={id} data-dragging={isDragging || undefined} style={{ transform: CSS.Transform.toString(transform), transition }}>
      <button type="button" ref={setActivatorNodeRef} className="drag-handle" aria-label={t('admin.lineup.drag', { title })} {...attributes} {...listeners}>
        <span aria-hidden="true">⠿</span>
      </button>
      <span className="lineup-position" aria-hidden="true">
        {index + 1}
      </span>
      <span className="lineup-text">
        <strong lang={CONTENT_LANG}>{title}</strong>
        <span className="muted" lang={CONTENT_LANG}>
          {subtitle}
        </span>
      </span>
      <span className="row-actions">
        <Button size="small" disabled={index === 0} onClick={() => onMove(index - 1)} aria-label={t('admin.lineup.up', { title })}>
          ↑
        </Button>
        <Button size="small" disabled={index === count - 1} onClick={() => onMove(index + 1)} aria-label={t('admin.lineup.down', { title })}>
          ↓
        </Button>
        <Button size="small" variant="danger" onClick={onRemove} aria-label={t('admin.lineup.remove', { title })}>
          {t('admin.remove')}
        </Button>
      </span>
    </li>
  );
}

function AddItems({ lineup, catalog, onAdd }: { lineup: LineupItem[]; catalog: Catalog; onAdd: (item: LineupItem) => void }) {
  const { t } = useTranslation();
  const inLineup = new Set(lineup.map(keyOf));
  const vacancies = catalog.vacancies.filter((v) => !inLineup.has(`vacancy:${v.id}`));
  const policies = catalog.policies.filter((p) => !inLineup.has(`policy:${p.id}`));
  const [choice, setChoice] = useState('');
  const employerName = (id: string): string => catalog.employers.find((e) => e.id === id)?.name ?? '';
  const add = (): void => {
    const [kind, id] = choice.split(':');
    const item = LineupItem.safeParse({ kind, id });
    if (!item.success) return;
    onAdd(item.data);
    setChoice('');
  };
  return (
    <div className="toolbar">
      <label htmlFor="lineup-add">{t('admin.lineup.add')}</label>
      <select id="lineup-add" value={choice} onChange={(e) => setChoice(e.target.value)}>
        <option value="">{t('admin.lineup.choose')}</option>
        <optgroup label={t('admin.vacancies')}>
          {vacancies.map((v) => (
            // A vacancy the scam guard flagged says so here too: staff check it before putting it before the public.
            <option key={v.id} value={`vacancy:${v.id}`} lang={CONTENT_LANG}>
              {v.title} · {employerName(v.employerId)}
              {openFlags(v).length > 0 ? t('admin.lineup.flagged') : ''}
            </option>
          ))}
        </optgroup>
        <optgroup label={t('admin.policies')}>
          {policies.map((p) => (
            <option key={p.id} value={`policy:${p.id}`} lang={CONTENT_LANG}>
              {p.title}
            </option>
          ))}
        </optgroup>
      </select>
      <Button disabled={!choice} onClick={add}>
        {t('admin.lineup.addButton')}
      </Button>
    </div>
  );
}
