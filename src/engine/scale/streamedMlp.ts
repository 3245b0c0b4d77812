/**
 * The MLP refitted on every training row of a table too large to load (issue 16). Its optimiser needs the
 * rows many times in random order, which a stream read in table order cannot give; instead the fit on the
 * rows model selection compared it on is the starting point, and a few epochs go over the streamed
 * training rows: they are gathered into blocks of a fixed number of rows ({@link mlpStreamBlockRows},
 * whatever the chunk size the table is read in, so the chunk size does not change the fit), each block is
 * shuffled with the run's generator and cut into mini-batches of the MLP's batch size, one Adam optimiser
 * stepping through all of them. A seeded slice of the training rows (at most
 * {@link maxMlpStreamValidationRows}) is held out: after each epoch the loss on it decides whether another
 * epoch is worth it, and the best weights seen (the starting point's included) are kept. Memory: one
 * block, one batch and the held-out rows, never the table.
 */
import type { Rng } from '../../domain/random.ts'
import { shuffleInPlace } from '../../domain/random.ts'
import type { FeatureMatrix } from '../frame.ts'
import type { MlpTrainer } from '../models/mlp.ts'
import { toRowMajorFloat32 } from '../models/tfjsCommon.ts'

/** Training rows shuffled together (a fixed number: the chunk size does not change the fit). */
export const mlpStreamBlockRows = 32_768
/** Row visits the streamed epochs aim at: epochs = floor(this / training rows), between 1 and 3. */
export const mlpStreamRowVisits = 3_000_000
export const maxMlpStreamEpochs = 3
/** Held-out training rows for early stopping, at most (the MLP's validation fraction below that). */
export const maxMlpStreamValidationRows = 10_000

/** Epochs over all training rows: about {@link mlpStreamRowVisits} row visits, 1 to 3 epochs. */
export function streamedMlpEpochs(nTrain: number): number {
  return Math.max(1, Math.min(maxMlpStreamEpochs, Math.floor(mlpStreamRowVisits / Math.max(1, nTrain))))
}

/**
 * The held-out rows among `nTrain` training rows (in training order): each row with probability
 * min(fraction, {@link maxMlpStreamValidationRows} / nTrain), drawn from `rng` in order.
 */
export function mlpStreamValidation(
  nTrain: number,
  fraction: number,
  rng: Rng,
): { isValidation: Uint8Array; count: number } {
  const isValidation = new Uint8Array(nTrain)
  const p = Math.min(fraction, maxMlpStreamValidationRows / Math.max(1, nTrain))
  let count = 0
  if (p > 0)
    for (let i = 0; i < nTrain; i++)
      if (rng.nextFloat() < p) {
        isValidation[i] = 1
        count++
      }
  return { isValidation, count }
}

export interface StreamedMlpOptions {
  /** Rows per Adam step. */
  batchSize: number
  blockRows: number
  /** Classes (0: regression). */
  nClasses: number
  /** Regression targets are standardised with the starting fit's mean and scale. */
  targetMean: number
  targetScale: number
  isValidation: Uint8Array
  nValidation: number
  /** Shuffles each block. */
  rng: Rng
  /** Throws when the run is cancelled; checked before each batch. */
  checkCancelled?: () => void
  /** After each batch: the rows trained on so far in this epoch. */
  onBatch?: (rowsThisEpoch: number) => void
}

/** Epochs of Adam steps over training rows added chunk by chunk, in training order. */
export class StreamedMlp {
  private readonly d: number
  private readonly width: number
  private readonly blockX: Float32Array
  private readonly blockY: Float32Array
  private readonly order: Int32Array
  private readonly batchX: Float32Array
  private readonly batchY: Float32Array
  private readonly validationX: Float32Array
  private readonly validationY: Float32Array
  private blockCount = 0
  private validationCount = 0
  private collectingValidation = true
  private lossSum = 0
  private lossRows = 0

  constructor(
    private readonly trainer: MlpTrainer,
    private readonly options: StreamedMlpOptions,
  ) {
    this.d = trainer.sizes[0]
    this.width = trainer.sizes[trainer.sizes.length - 1]
    const { blockRows, batchSize, nValidation } = options
    this.blockX = new Float32Array(blockRows * this.d)
    this.blockY = new Float32Array(blockRows * this.width)
    this.order = new Int32Array(blockRows)
    this.batchX = new Float32Array(batchSize * this.d)
    this.batchY = new Float32Array(batchSize * this.width)
    this.validationX = new Float32Array(nValidation * this.d)
    this.validationY = new Float32Array(nValidation * this.width)
  }

  /** Writes row `target`'s encoded target at row `at` of `out`. */
  private encodeTarget(out: Float32Array, at: number, target: number): void {
    const { width } = this
    if (this.options.nClasses > 0) {
      out.fill(0, at * width, at * width + width)
      out[at * width + target] = 1
    } else out[at] = (target - this.options.targetMean) / this.options.targetScale
  }

  /**
   * Adds training rows: `X` holds them (after the feature recipe), `y` their targets (class codes or
   * values), `firstTrainIndex` the first one's index among all training rows.
   */
  add(X: FeatureMatrix, y: ArrayLike<number>, firstTrainIndex: number): void {
    const { d } = this
    const rows = toRowMajorFloat32(X)
    for (let r = 0; r < X.nRows; r++) {
      const features = rows.subarray(r * d, r * d + d)
      if (this.options.isValidation[firstTrainIndex + r]) {
        if (this.collectingValidation) {
          this.validationX.set(features, this.validationCount * d)
          this.encodeTarget(this.validationY, this.validationCount, y[r])
          this.validationCount++
        }
        continue
      }
      this.blockX.set(features, this.blockCount * d)
      this.encodeTarget(this.blockY, this.blockCount, y[r])
      this.blockCount++
      if (this.blockCount === this.options.blockRows) this.trainBlock()
    }
  }

  /** The block's rows in a shuffled order, batch by batch. */
  private trainBlock(): void {
    const m = this.blockCount
    if (m === 0) return
    const { d, width, order, batchX, batchY, blockX, blockY } = this
    const { batchSize } = this.options
    for (let i = 0; i < m; i++) order[i] = i
    shuffleInPlace(order.subarray(0, m), this.options.rng)
    for (let start = 0; start < m; start += batchSize) {
      this.options.checkCancelled?.()
      const rows = Math.min(m, start + batchSize) - start
      for (let r = 0; r < rows; r++) {
        const source = order[start + r]
        batchX.set(blockX.subarray(source * d, source * d + d), r * d)
        batchY.set(blockY.subarray(source * width, source * width + width), r * width)
      }
      this.lossSum += this.trainer.step(batchX, batchY, rows) * rows
      this.lossRows += rows
      this.options.onBatch?.(this.lossRows)
    }
    this.blockCount = 0
  }

  /** Ends an epoch (the last, partial block is trained on): the mean training loss of its batches. */
  endEpoch(): number {
    this.trainBlock()
    if (this.collectingValidation && this.validationCount !== this.options.nValidation)
      throw new Error(
        `StreamedMlp: ${this.validationCount} held-out rows streamed, ${this.options.nValidation} expected`,
      )
    this.collectingValidation = false
    const loss = this.lossSum / Math.max(1, this.lossRows)
    this.lossSum = 0
    this.lossRows = 0
    return loss
  }

  /** The loss on the held-out rows (after the first epoch), at the trainer's weights or at `weights`. */
  validationLoss(weights?: readonly Float32Array[]): number {
    if (this.collectingValidation)
      throw new Error('StreamedMlp: no held-out rows before the first epoch ends')
    const current = weights ? this.trainer.weights() : undefined
    if (weights) this.trainer.setWeights(weights)
    const loss = this.trainer.lossOnRows(this.validationX, this.validationY, this.validationCount)
    if (current) this.trainer.setWeights(current)
    return loss
  }
}
