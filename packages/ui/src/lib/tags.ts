/** The launchpad's tag rows ↔ the `tags` object the API takes, with the mistakes a form can make. */

export interface TagRow {
  /** Stable identity for rendering, so removing a row never moves focus or text to another. */
  id?: number;
  key: string;
  value: string;
}

export interface TagRowsResult {
  tags: Record<string, string>;
  /** Row index → what is wrong with it. */
  errors: Map<number, string>;
}

let rowIds = 0;
export function nextRowId(): number {
  rowIds += 1;
  return rowIds;
}

export function tagsFromRows(rows: readonly TagRow[]): TagRowsResult {
  const tags: Record<string, string> = {};
  const errors = new Map<number, string>();
  rows.forEach((row, i) => {
    const key = row.key.trim();
    if (!key && !row.value.trim()) return; // an empty row is just a place to type
    if (!key) errors.set(i, 'a tag needs a key');
    else if (Object.hasOwn(tags, key)) errors.set(i, `duplicate key ${key}`);
    else tags[key] = row.value;
  });
  return { tags, errors };
}
