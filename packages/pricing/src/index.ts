export { sampleBeta, sampleGamma, sampleIndex, sampleNormal } from './distributions.ts';
export {
  type ClampResult,
  clampToGuardrails,
  GuardrailError,
  type GuardrailErrorCode,
  type Guardrails,
  isWithinGuardrails,
  tryClampToGuardrails,
  validateGuardrails,
} from './guardrails.ts';
export {
  MAX_BASES,
  type PricingLPSolution,
  type SmallLP,
  type SmallLPResult,
  solvePricingLP,
  solveSmallLP,
} from './lp.ts';
export { fromMinorUnits, inferMinorUnitScale, toMinorUnits } from './money.ts';
export {
  type BetaPrior,
  type DemandModel,
  isPoisson,
  choosePriceIndex,
  createPricingPolicy,
  decidePrice,
  type Observation,
  type PeriodContext,
  POLICY_STATE_VERSION,
  type PriceDecision,
  type PricingPolicyConfig,
  type PricingPolicyState,
  posterior,
  posteriorMean,
  projectNonIncreasing,
  sampleDemand,
  updatePosterior,
} from './policy.ts';
export { type PriceRecommendation, recommendPrice } from './recommend.ts';
export { createRng, fnv1a32, type Rng, type RngState, restoreRng } from './rng.ts';
export {
  type DataIssue,
  type DataIssueCode,
  detectBrokenData,
  type ObservationRecord,
  type SanityInput,
  type SanityOptions,
  type SanityReport,
} from './sanity.ts';
