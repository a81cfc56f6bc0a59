import type { ReactNode } from 'react';

/** A table with its column headings; rows are the caller's <tr> elements. Wide tables scroll sideways on a phone. */
export function DataTable({ columns, caption, children }: { columns: string[]; caption?: string; children: ReactNode }) {
  return (
    // Focusable and named, so a keyboard user can scroll a table wider than the phone.
    <div className="table-scroll" {...(caption ? { tabIndex: 0, role: 'region', 'aria-label': caption } : {})}>
    <table className="data-table">
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
    </div>
  );
}
