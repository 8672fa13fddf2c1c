/**
 * `envstack cost`: a monthly estimate of a claim from its converged render, priced from the committed
 * price table (src/platform/cost/prices) or an AWS Price List offer file, with usage-based items kept apart.
 */
export type * from './types.js';
export { estimate, ageInDays } from './estimate.js';
export type { EstimateInput } from './estimate.js';
export { diffEstimates } from './diff.js';
export type { ComponentChange, CostDiff, ItemChange, RegionChange } from './diff.js';
export { estimateJson, formatDiff, formatEstimates, unitPrice, usd } from './format.js';
export type { CostFormat } from './format.js';
export { OfferFileError, OfferPriceBook, offerMatcher, parseOffer, readOfferFile } from './offer.js';
export type { OfferFile } from './offer.js';
export { committedPriceBook, LayeredPriceBook, TablePriceBook } from './pricebook.js';
export { COMMITTED_TABLE, committedPrices, parsePriceTable, priceFiles } from './prices/index.js';
export { HOURS_PER_MONTH, pricingRules, ruleFor, scheduleInvocationsPerMonth } from './rules.js';
export type { PricingRule, RuleContext, RuleResult } from './rules.js';
export {
  parseUsageOverrides,
  readUsageFile,
  resolveUsage,
  UsageFileError,
  usageFields,
  usageProfiles,
} from './usage.js';
export type { ResolvedUsage, UsageField, UsageProfile } from './usage.js';
