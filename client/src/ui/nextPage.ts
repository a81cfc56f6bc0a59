/**
 * How many items the next page will bring, when the list's total is known: the page size, or fewer
 * when fewer are left. Undefined when it cannot be said (no total, or a total that no longer covers
 * what is shown because the list changed between pages): the button then says only "show more".
 */
export function nextPageCount({ total, shown, pageSize }: { total: number | undefined; shown: number; pageSize: number }): number | undefined {
  if (total === undefined) return undefined;
  const left = total - shown;
  return left > 0 ? Math.min(left, pageSize) : undefined;
}
