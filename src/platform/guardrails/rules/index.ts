import type { Rule } from '../types.js';
import {
  bucketHardening,
  databaseProtection,
  performanceInsightsOnMicro,
  publicDatabase,
  unencryptedDataStore,
} from './datastores.js';
import { iamWildcardResource } from './iam.js';
import { kmsAlias, kmsPolicyForUsers, kmsRotation } from './kms.js';
import { missingTags, nameCollision, nameTooLong, nameWithoutPrefix } from './naming.js';
import {
  adminPortOpen,
  imdsV2,
  securityGroupWithoutEgress,
  targetGroupHealthCheck,
  targetGroupPort,
  userData,
} from './network.js';
import { budgetBelowFixedCost } from './cost.js';
import { hardCodedAccount, hardCodedRegion, outdatedApiVersion } from './placement.js';
import { arnToMissingResource, danglingReference } from './references.js';
import {
  alarmWithoutAction,
  apiStageWithoutAccountRole,
  configDeliveryFrequency,
  lambdaWithoutCode,
  lambdaWithoutDlq,
  logGroupRetention,
} from './services.js';

/** Every guardrail, in id order. */
export const rules: readonly Rule[] = [
  danglingReference,
  arnToMissingResource,
  iamWildcardResource,
  unencryptedDataStore,
  bucketHardening,
  performanceInsightsOnMicro,
  databaseProtection,
  publicDatabase,
  missingTags,
  nameWithoutPrefix,
  nameTooLong,
  nameCollision,
  hardCodedRegion,
  hardCodedAccount,
  outdatedApiVersion,
  adminPortOpen,
  securityGroupWithoutEgress,
  imdsV2,
  userData,
  targetGroupHealthCheck,
  targetGroupPort,
  lambdaWithoutCode,
  lambdaWithoutDlq,
  apiStageWithoutAccountRole,
  configDeliveryFrequency,
  kmsRotation,
  kmsAlias,
  kmsPolicyForUsers,
  logGroupRetention,
  alarmWithoutAction,
  budgetBelowFixedCost,
];
