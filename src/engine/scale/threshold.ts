/**
 * Tables with more cells (rows × columns) than this take the large-table path. Loaded whole, a run holds
 * its table several times over (the Arrow copy, float64 columns, the split, the features, the learners'
 * buffers), ~80 bytes a cell at its peak. Measured on the 1M-row × 24-column synthetic table (24M cells):
 * - one gbdt in the CLI: whole 52 s, 3.1 GB peak RSS, accuracy 0.9420; streamed 30 s, 1.2 GB, 0.9436;
 * - the same in the tab: whole 36 s, 3.2 GB of Chromium's resident set; streamed 23 s, 1.5 GB;
 * - the default pipeline in the CLI: whole failed writing its outputs after 529 s at 5.8 GB (a string
 *   past V8's limit; its forest grows to full depth on 800,000 rows); streamed 88 s, 1.3 GB, ROC AUC 0.994.
 * 12M cells (a 500,000 × 24 table) keeps a whole-loaded run near 1 GB.
 * In a module of its own so the page can show it without loading the engine.
 */
export const defaultLargeCells = 12_000_000

/** Rows at the head of a table past the threshold that the app's task detection reads (never all rows). */
export const detectionRows = 100_000
