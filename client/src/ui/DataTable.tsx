import type { ComponentPropsWithoutRef, ReactNode } from 'react';

/**
 * A table with its column headings; rows are the caller's <tr> elements. Wide tables scroll sideways
 * on a phone, inside a focusable named region. With `stacked`, each row becomes a card on a phone
 * instead: the caller gives each cell `data-label` (its column's name, shown before the value). The
 * ARIA roles keep it a table for screen readers once CSS stops laying it out as one.
 */
export function DataTable({ columns, caption, stacked = false, children }: { columns: string[]; caption?: string; stacked?: boolean; children: ReactNode }) {
  return (
    // Focusable and named, so a keyboard user can scroll a table wider than the phone.
    <div className="table-scroll" {...(caption ? { tabIndex: 0, role: 'region', 'aria-label': caption } : {})}>
      <table className={stacked ? 'data-table data-table-stacked' : 'data-table'} role={stacked ? 'table' : undefined}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead role={stacked ? 'rowgroup' : undefined}>
          <tr role={stacked ? 'row' : undefined}>
            {columns.map((c) => (
              <th key={c} scope="col" role={stacked ? 'columnheader' : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role={stacked ? 'rowgroup' : undefined}>{children}</tbody>
      </table>
    </div>
  );
}

/** A row of a stacked DataTable (its role kept explicit for when CSS lays it out as a card). */
export function Row({ children, ...rest }: ComponentPropsWithoutRef<'tr'>) {
  return (
    <tr role="row" {...rest}>
      {children}
    </tr>
  );
}

/** A cell of a stacked DataTable: `label` is its column's name, shown before the value on a phone. */
export function Cell({ label, children, ...rest }: ComponentPropsWithoutRef<'td'> & { label: string }) {
  return (
    <td role="cell" data-label={label} {...rest}>
      {children}
    </td>
  );
}
