/**
 * Builds one column-major BinnedMatrix from streamed chunks (issue 16): each chunk is binned with the
 * mapper fitted on the seeded sample and its bytes are copied into place, so no float frame of all
 * rows ever exists; only the Uint8 matrix (one byte per cell) does. With `inWasm`, that matrix is built
 * at byte 0 of a wasm memory that the boosting learner then takes over as its kernels' memory, instead
 * of a JS buffer it would copy (10M rows × 23 features: 166 MB held once, not twice, during the fit).
 */

import type { FeatureMatrix } from '../frame.ts'
import { type BinMapper, type BinnedMatrix, binMatrix } from '../trees/binning.ts'
import { wasmMemoryOf } from '../wasm/assembler.ts'
import { releaseArrays } from './chunkSource.ts'

export class BinnedMatrixBuilder {
  private readonly bins: Uint8Array
  private readonly hasMissing: Uint8Array
  private filled = 0

  private readonly memory: WebAssembly.Memory | undefined

  /**
   * `nRows`: the exact number of rows that will be appended (known up front from the row split).
   * `inWasm`: build the bytes in a wasm memory of their own (see BinnedMatrix.memory); a plain buffer
   * where this engine has no WebAssembly or the memory cannot be had.
   */
  constructor(
    private readonly mapper: BinMapper,
    private readonly nRows: number,
    options: { inWasm?: boolean } = {},
  ) {
    const bytes = nRows * mapper.nBins.length
    this.memory = (options.inWasm && wasmMemoryOf(bytes)) || undefined
    this.bins = this.memory ? new Uint8Array(this.memory.buffer, 0, bytes) : new Uint8Array(bytes)
    this.hasMissing = new Uint8Array(mapper.nBins.length)
  }

  /** Bins the rows `rows` of `chunk` (all rows when null) and appends them in that order. */
  append(chunk: FeatureMatrix, rows: Uint32Array | null = null): void {
    const part = binMatrix(this.mapper, chunk, rows)
    if (this.filled + part.nRows > this.nRows) {
      throw new Error(`BinnedMatrixBuilder: more than the ${this.nRows} rows announced`)
    }
    for (let f = 0; f < part.nFeatures; f++) {
      this.bins.set(part.bins.subarray(f * part.nRows, (f + 1) * part.nRows), f * this.nRows + this.filled)
      if (part.hasMissing[f]) this.hasMissing[f] = 1
    }
    // Copied into place: the chunk's bytes are freed now rather than at a collection.
    releaseArrays([part.bins])
    this.filled += part.nRows
  }

  /** The finished matrix; throws when fewer rows came than announced. */
  finish(): BinnedMatrix {
    if (this.filled !== this.nRows) {
      throw new Error(`BinnedMatrixBuilder: ${this.filled} rows appended, ${this.nRows} announced`)
    }
    return {
      nRows: this.nRows,
      nFeatures: this.mapper.nBins.length,
      bins: this.bins,
      hasMissing: this.hasMissing,
      ...(this.memory ? { memory: this.memory } : {}),
    }
  }
}
