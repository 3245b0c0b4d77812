/**
 * Tables with more cells (rows × columns) than this take the large-table path (about 512 MB of float64).
 * In a module of its own so the page can show it without loading the engine.
 */
export const defaultLargeCells = 64_000_000

/** Rows at the head of a table past the threshold that the app's task detection reads (never all rows). */
export const detectionRows = 100_000
