/**
 * Profile defaults: the one place where dev, staging and prod differ. A claim field that is set
 * always wins; these apply only when the claim leaves a field out. The composition turns each
 * table into a map transform keyed by `spec.environment`, and the admission rules use the same
 * values to check effective settings.
 */

export const environments = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof environments)[number];

export const databaseEngines = ['postgres', 'aurora-postgresql', 'aurora-mysql'] as const;
export type DatabaseEngine = (typeof databaseEngines)[number];

export type ProfileTable<T> = Record<EnvironmentName, T>;

export interface Profile {
  azCount: 2 | 3;
  natGateways: 'single' | 'perAz' | 'none';
  flowLogs: boolean;
  interfaceEndpoints: boolean;
  dbInstanceClass: Record<DatabaseEngine, string>;
  dbStorageGiB: number;
  dbMultiAz: boolean;
  dbPerformanceInsights: boolean;
  dbBackupRetentionDays: number;
  dbDeletionProtection: boolean;
  dbSkipFinalSnapshot: boolean;
  instanceType: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  logRetentionDays: number;
  dashboard: boolean;
  cloudTrail: boolean;
  config: boolean;
  albDeletionProtection: boolean;
  kmsDeletionWindowDays: number;
  logBucketExpirationDays: number;
  secretRecoveryWindowDays: number;
}

export const profiles: ProfileTable<Profile> = {
  dev: {
    azCount: 2,
    natGateways: 'single',
    flowLogs: true,
    interfaceEndpoints: false,
    dbInstanceClass: {
      postgres: 'db.t4g.micro',
      'aurora-postgresql': 'db.t4g.medium',
      'aurora-mysql': 'db.t4g.medium',
    },
    dbStorageGiB: 20,
    dbMultiAz: false,
    dbPerformanceInsights: false,
    dbBackupRetentionDays: 1,
    dbDeletionProtection: false,
    dbSkipFinalSnapshot: true,
    instanceType: 't4g.small',
    minSize: 1,
    maxSize: 2,
    desiredCapacity: 1,
    logRetentionDays: 7,
    dashboard: false,
    cloudTrail: false,
    config: false,
    albDeletionProtection: false,
    kmsDeletionWindowDays: 7,
    logBucketExpirationDays: 30,
    secretRecoveryWindowDays: 0,
  },
  staging: {
    azCount: 2,
    natGateways: 'single',
    flowLogs: true,
    interfaceEndpoints: true,
    dbInstanceClass: {
      postgres: 'db.t4g.medium',
      'aurora-postgresql': 'db.t4g.medium',
      'aurora-mysql': 'db.t4g.medium',
    },
    dbStorageGiB: 50,
    dbMultiAz: false,
    dbPerformanceInsights: true,
    dbBackupRetentionDays: 7,
    dbDeletionProtection: false,
    dbSkipFinalSnapshot: false,
    instanceType: 't4g.medium',
    minSize: 1,
    maxSize: 3,
    desiredCapacity: 2,
    logRetentionDays: 30,
    dashboard: true,
    cloudTrail: true,
    config: false,
    albDeletionProtection: false,
    kmsDeletionWindowDays: 14,
    logBucketExpirationDays: 90,
    secretRecoveryWindowDays: 7,
  },
  prod: {
    azCount: 3,
    natGateways: 'perAz',
    flowLogs: true,
    interfaceEndpoints: true,
    dbInstanceClass: {
      postgres: 'db.r6g.large',
      'aurora-postgresql': 'db.r6g.large',
      'aurora-mysql': 'db.r6g.large',
    },
    dbStorageGiB: 100,
    dbMultiAz: true,
    dbPerformanceInsights: true,
    dbBackupRetentionDays: 30,
    dbDeletionProtection: true,
    dbSkipFinalSnapshot: false,
    instanceType: 'm7g.large',
    minSize: 2,
    maxSize: 6,
    desiredCapacity: 3,
    logRetentionDays: 90,
    dashboard: true,
    cloudTrail: true,
    config: true,
    albDeletionProtection: true,
    kmsDeletionWindowDays: 30,
    logBucketExpirationDays: 365,
    secretRecoveryWindowDays: 30,
  },
};

/** Engine versions when the claim gives none: major versions that RDS resolves to its default minor. */
export const defaultEngineVersion: Record<DatabaseEngine, string> = {
  postgres: '16',
  'aurora-postgresql': '16.6',
  'aurora-mysql': '8.0.mysql_aurora.3.08.2',
};

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const logRetentionValues = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A table of one profile field, for map transforms and docs. */
export function profileTable<K extends keyof Profile>(key: K): ProfileTable<Profile[K]> {
  return {
    dev: profiles.dev[key],
    staging: profiles.staging[key],
    prod: profiles.prod[key],
  };
}

/** Profile fields that hold one scalar per environment (not a table by engine). */
export type ScalarProfileKey = {
  [K in keyof Profile]: Profile[K] extends string | number | boolean ? K : never;
}[keyof Profile];

/** The object a CEL expression reads the claim from: `spec` in cel-filter, `self` in admission rules. */
export type CelSubject = 'spec' | 'self';

const celLiteral = (v: string | number | boolean) => (typeof v === 'string' ? `'${v}'` : String(v));

/** One profile field by environment as a CEL expression: `{'dev': …, …}[<subject>.environment]`. */
export function celProfile(key: ScalarProfileKey, subject: CelSubject): string {
  const entries = environments.map((e) => `'${e}': ${celLiteral(profiles[e][key])}`);
  return `{${entries.join(', ')}}[${subject}.environment]`;
}

/** The DB instance class by environment and engine, keyed `<environment>/<engine>` (a Combine's map transform). */
export function instanceClassTable(): Record<`${EnvironmentName}/${DatabaseEngine}`, string> {
  return Object.fromEntries(
    environments.flatMap((env) =>
      databaseEngines.map((e) => [`${env}/${e}`, profiles[env].dbInstanceClass[e]]),
    ),
  ) as Record<`${EnvironmentName}/${DatabaseEngine}`, string>;
}

/** The DB instance class by environment and engine as a CEL expression over `subject`. */
export function celInstanceClass(subject: CelSubject): string {
  const byEngine = (env: EnvironmentName) =>
    `{${databaseEngines.map((g) => `'${g}': ${celLiteral(profiles[env].dbInstanceClass[g])}`).join(', ')}}`;
  return `{${environments.map((e) => `'${e}': ${byEngine(e)}`).join(', ')}}[${subject}.environment][${subject}.database.engine]`;
}

const joinAnd = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** The profile of a field as the API reference states it (`Profile: …`), read from the table. */
export const profileDoc = {
  /** The values in environment order: `20, 50, 100`. */
  values: (key: ScalarProfileKey): string => environments.map((e) => String(profiles[e][key])).join(', '),
  /** Each environment with its value: `dev 2, staging 2, prod 3`. */
  byEnvironment: (key: ScalarProfileKey): string =>
    environments.map((e) => `${e} ${String(profiles[e][key])}`).join(', '),
  /** Environments of equal value grouped: `dev/staging single, prod perAz`. */
  grouped: (key: ScalarProfileKey): string => {
    const groups = new Map<string, EnvironmentName[]>();
    for (const e of environments) {
      const v = String(profiles[e][key]);
      groups.set(v, [...(groups.get(v) ?? []), e]);
    }
    return [...groups].map(([v, envs]) => `${envs.join('/')} ${v}`).join(', ');
  },
  /** The environments where a switch has `value`: `staging and prod`. */
  where: (key: ScalarProfileKey, value: boolean): string =>
    joinAnd(environments.filter((e) => profiles[e][key] === value)),
  /** Where a switch is on: `on` when everywhere, else `staging and prod on`. */
  on: (key: ScalarProfileKey): string =>
    environments.every((e) => profiles[e][key] === true) ? 'on' : `${profileDoc.where(key, true)} on`,
  /** The DB instance class by environment, Aurora's named where it differs: `dev db.t4g.micro (Aurora db.t4g.medium), …`. */
  instanceClass: (): string =>
    environments
      .map((e) => {
        const classes = profiles[e].dbInstanceClass;
        const aurora = [...new Set([classes['aurora-postgresql'], classes['aurora-mysql']])];
        const same = aurora.length === 1 && aurora[0] === classes.postgres;
        return `${e} ${classes.postgres}${same ? '' : ` (Aurora ${aurora.join('/')})`}`;
      })
      .join(', '),
};
