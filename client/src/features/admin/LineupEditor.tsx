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
import { LineupItem, openFlags, type Employer, type PolicyCard, type Vacancy } from '@chunfeng/shared/recruitment';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { CatalogPicker } from './CatalogPicker';
import { useDocs } from './catalog';
import { Field } from './forms';

const keyOf = (item: LineupItem): string => `${item.kind}:${item.id}`;

/**
 * The order the host will present a session in: drag a row by its handle (mouse, touch, or keyboard:
 * Space to pick up, arrows to move, Space to drop), or use its up/down buttons; add and remove items.
 */
export function LineupEditor({ lineup, onChange }: { lineup: LineupItem[]; onChange: (next: LineupItem[]) => void }) {
  const { t } = useTranslation();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  // Only the lineup's own vacancies, cards and employers are read (by id), never the whole catalog.
  const vacancies = useDocs<Vacancy>('/vacancies', lineup.filter((i) => i.kind === 'vacancy').map((i) => i.id));
  const policies = useDocs<PolicyCard>('/policies', lineup.filter((i) => i.kind === 'policy').map((i) => i.id));
  const employers = useDocs<Employer>('/employers', [...vacancies.values()].map((v) => v?.employerId));
  const titleOf = (item: LineupItem): string => (item.kind === 'vacancy' ? vacancies.get(item.id)?.title : policies.get(item.id)?.title) ?? item.id;
  const employerOf = (item: LineupItem): string => {
    if (item.kind !== 'vacancy') return t('admin.policyCard');
    const employerId = vacancies.get(item.id)?.employerId;
    return (employerId && employers.get(employerId)?.name) || '';
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
      <AddItems lineup={lineup} onAdd={(item) => onChange([...lineup, item])} />
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

/**
 * Adds to the lineup by searching: a vacancy (with its employer beside it, and a warning when the
 * scam guard holds it) or a policy card; picking one adds it at the end.
 */
function AddItems({ lineup, onAdd }: { lineup: LineupItem[]; onAdd: (item: LineupItem) => void }) {
  const { t } = useTranslation();
  const [options, setOptions] = useState<Vacancy[]>([]);
  const inLineup = (kind: LineupItem['kind']) => new Set(lineup.filter((i) => i.kind === kind).map((i) => i.id));
  const employers = useDocs<Employer>('/employers', options.map((v) => v.employerId));
  const add = (kind: LineupItem['kind'], id: string): void => {
    const item = LineupItem.safeParse({ kind, id });
    if (item.success) onAdd(item.data);
  };
  return (
    <div className="toolbar lineup-add">
      <Field label={t('admin.lineup.addVacancy')}>
        {(p) => (
          <CatalogPicker<Vacancy>
            list="/vacancies"
            control={p}
            label={t('admin.lineup.addVacancy')}
            value=""
            clearOnPick
            exclude={inLineup('vacancy')}
            onChange={(id) => add('vacancy', id)}
            onOptions={setOptions}
            textOf={(v) => v.title}
            // A vacancy the scam guard flagged says so here too: staff check it before putting it before the public.
            detailOf={(v) => `${employers.get(v.employerId)?.name ?? ''}${openFlags(v).length > 0 ? t('admin.lineup.flagged') : ''}`}
          />
        )}
      </Field>
      <Field label={t('admin.lineup.addPolicy')}>
        {(p) => (
          <CatalogPicker<PolicyCard>
            list="/policies"
            control={p}
            label={t('admin.lineup.addPolicy')}
            value=""
            clearOnPick
            exclude={inLineup('policy')}
            onChange={(id) => add('policy', id)}
            textOf={(c) => c.title}
          />
        )}
      </Field>
    </div>
  );
}
