/** The pipeline's block types (own file: both pipeline.ts and hook.ts need them, without a cycle). */

/** The six stages, in their fixed execution order. */
export const blockTypes = [
  'preprocessing',
  'feature_engineering',
  'model_selection',
  'training',
  'evaluation',
  'explainability',
] as const
export type BlockType = (typeof blockTypes)[number]
