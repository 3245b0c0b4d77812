/**
 * Which way a run reads its table (issue 16): a table with more cells than the threshold streams through
 * the engine's large-table run ({@link executeLargePipeline}: no float frame of all rows); any other is
 * loaded whole and runs through {@link executePipeline}. The run service calls this for the app's run
 * worker and the CLI alike; the decision and its threshold are logged by the run.
 */

import type { Run } from '../domain/run.ts'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import type { Column, DataFrame } from '../engine/frame.ts'
import type { ExecuteDeps, RunOutcome } from '../engine/pipeline/executor.ts'
import { executePipeline } from '../engine/pipeline/executor.ts'
import type { TableChunkSource } from '../engine/scale/chunkSource.ts'
import { defaultLargeCells, executeLargePipeline } from '../engine/scale/largePipeline.ts'

/** Where a run's table comes from (the run service's ports for it). */
export interface TablePorts {
  /** The dataset as an engine frame; classification targets should be read as categories (see {@link targetHints}). */
  loadFrame(run: Run): Promise<DataFrame>
  /**
   * The dataset as streamed chunks (issue 16). When given and the table has more cells than `largeCells`,
   * the run streams it through the large-table path and `loadFrame` is not called.
   */
  openTable?(run: Run): Promise<TableChunkSource>
  /** Cells (rows × columns) above which a table takes the large-table path (default `defaultLargeCells`). */
  largeCells?: number
  /** What a large-table run may hold, in bytes (default `defaultLargeMemoryBytes`). */
  memoryLimitBytes?: number
  /** Where `memoryLimitBytes` comes from, said in the run's log and in a refusal. */
  memoryLimitBasis?: string
}

export async function fitRun(
  request: { run: Run; testIndices?: readonly number[] },
  ports: TablePorts & {
    engine?: Pick<
      ExecuteDeps,
      'hookRunner' | 'forestHelper' | 'foldFitter' | 'tfBackend' | 'isCancelled' | 'runnerNote'
    >
    onProgress?: ExecuteDeps['onProgress']
    onLog?: ExecuteDeps['onLog']
  },
  hints: Record<string, FrameColumnHint>,
): Promise<{ fitted: RunOutcome; trainingColumns: readonly Column[] }> {
  const { run } = request
  const deps = {
    ...ports.engine,
    onProgress: ports.onProgress,
    onLog: ports.onLog,
    ...(request.testIndices ? { testIndices: request.testIndices } : {}),
  }
  const table = await ports.openTable?.(run)
  const largeCells = ports.largeCells ?? defaultLargeCells
  if (table && table.rowCount * table.columnNames.length > largeCells) {
    const { trainingColumns, ...fitted } = await executeLargePipeline(run.snapshot, table, {
      ...deps,
      hints,
      largeCells,
      ...(ports.memoryLimitBytes !== undefined ? { memoryLimitBytes: ports.memoryLimitBytes } : {}),
      ...(ports.memoryLimitBasis !== undefined ? { memoryLimitBasis: ports.memoryLimitBasis } : {}),
    })
    return { fitted, trainingColumns }
  }
  const frame = await ports.loadFrame(run)
  return { fitted: await executePipeline(run.snapshot, frame, deps), trainingColumns: frame.columns }
}
