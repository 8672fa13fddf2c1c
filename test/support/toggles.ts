export type Toggle = [string, (spec: Record<string, unknown>) => void];
/** Each optional component switched the other way from the dev example. */
export const toggles: Toggle[] = [
  ['bastion on', (s) => (s.bastion = { enabled: true })],
  ['serverless off', (s) => (s.serverless = { enabled: false })],
  [
    'dynamodb on, serverless off',
    (s) => ((s.dynamodb = { enabled: true }), (s.serverless = { enabled: false })),
  ],
  ['database off', (s) => (s.database = { enabled: false })],
  ['aurora-mysql', (s) => (s.database = { engine: 'aurora-mysql' })],
  ['dr on', (s) => (s.dr = { enabled: true, region: 'us-east-2', cidr: '10.99.0.0/16' })],
  [
    'dr on with aurora',
    (s) => ((s.database = { engine: 'aurora-postgresql' }), (s.dr = { enabled: true, region: 'us-east-2' })),
  ],
  ['cloudTrail and config on', (s) => (s.compliance = { cloudTrail: true, config: true })],
  ['budget on', (s) => (s.compliance = { budget: { monthlyUsd: 100, email: 'a@example.com' } })],
  [
    'certificate',
    (s) => (s.loadBalancer = { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-1' }),
  ],
  ['domain', (s) => (s.loadBalancer = { domain: { name: 'app.example.com', hostedZoneId: 'Z0123ABC' } })],
  [
    'dashboard on, no alarm email',
    (s) => (
      (s.observability = { dashboard: true }),
      delete (s.observability as Record<string, unknown>).alarmEmail
    ),
  ],
  [
    'no NAT, 3 AZs, endpoints',
    (s) => (s.network = { cidr: '10.20.0.0/16', natGateways: 'none', azCount: 3, endpoints: true }),
  ],
];
