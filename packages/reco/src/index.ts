export type { CatalogueItem, Interaction, ItemStatus } from './types.ts';
export { buildDataset, decay, recentPopularity, DAY_MS, type Dataset } from './dataset.ts';
export { invertSpdInPlace, invertSymmetricInPlace, matMul } from './linalg.ts';
export { trainEase, easeScores, type EaseModel } from './ease.ts';
export { buildCooccurrence, coocScores, type Cooccurrence } from './cooc.ts';
export { buildContentIndex, contentScores, itemText, tokenize, type ContentIndex } from './content.ts';
export { repurchaseScores, lastBought } from './repurchase.ts';
export { topN } from './topn.ts';
export {
  trainRecommender,
  recommendForUser,
  alsoBought,
  alsoBoughtScored,
  recommendForCustomer,
  type Scored,
  type RecoSource,
  DEFAULT_TRAIN,
  DEFAULT_SCORING,
  type RecoModel,
  type TrainConfig,
  type ScoringConfig,
  type UserBlend,
  type AlsoBlend,
  type UserRequest,
} from './recommender.ts';
export {
  bayesianRating,
  reviewQualityFactor,
  withReviewPrior,
  REVIEW_BLEND_WEIGHT,
  REVIEW_MIN_COUNT,
  REVIEW_PRIOR_COUNT,
  REVIEW_PRIOR_MEAN,
  type RatingSignal,
} from './quality.ts';
