import type { ReactNode } from 'react';

/** A table with its column headings; rows are the caller's <tr> elements. */
export function DataTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <table className="data-table">
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
  );
}
