// Plain-text tables in left-aligned columns, as kubectl's printer lays them out: every column as
// wide as its widest cell (in characters, not UTF-16 units), the last one not padded. kubectl puts
// three spaces between columns; the simulation's report, two.

/** The width of each column of the header and rows. */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
}

/** One line of a table, ending in a newline. */
export function tableLine(cells: readonly string[], widths: readonly number[], gap = 3): string {
  const padded = cells.map((c, i) =>
    i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length)),
  );
  return `${padded.join(' '.repeat(gap)).trimEnd()}\n`;
}

/** The header and rows, each a line ending in a newline; `--no-headers` leaves the header out. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  gap = 3,
  withHeader = true,
): string {
  const widths = columnWidths(header, rows);
  return [...(withHeader ? [header] : []), ...rows].map((r) => tableLine(r, widths, gap)).join('');
}
