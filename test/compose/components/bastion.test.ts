import { Bastion } from '../../../src/platform/compose/components/bastion.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import type { JsonObject } from '../../../src/engine/render/fnapi.js';
import { buildWith, forProvider, policies, renderStack, renderedOf, expectSound } from './app-harness.js';

const BASTION_ASG = 'bastion-asg';
const BASTION_LAUNCH_TEMPLATE = 'bastion-launch-template';

const mine = ['bastion'] as const;

describe.each(flavors)('bastion (%s)', (flavor) => {
  const stack = buildWith(flavor, (f) => new Bastion(f.env, 'bastion', f));

  test('absent unless the claim enables it', () => {
    expect(renderedOf(renderStack(stack), 'bastion')).toEqual([]);
  });

  describe('enabled', () => {
    const r = renderStack(stack, { bastion: { enabled: true } });

    test('validates, selectors resolve, no wildcard permissions', () => {
      expect(renderedOf(r, 'bastion').length).toBeGreaterThanOrEqual(5);
      expectSound(r, mine);
    });

    test('SSM only: no key pair, the bastion security group, SSM core as its only permission', () => {
      const lt = forProvider(r, BASTION_LAUNCH_TEMPLATE);
      expect(lt).not.toHaveProperty('keyName');
      expect(lt.vpcSecurityGroupIdSelector).toEqual({
        matchControllerRef: true,
        matchLabels: { 'envstack.dev/resource': 'sg-bastion' },
      });
      expect(forProvider(r, 'bastion-role-amazonssmmanagedinstancecore').policyArn).toBe(
        'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      );
      expect(policies(r, mine).filter((p) => p.name.endsWith('.policy'))).toEqual([]);
    });

    test('IMDSv2, encrypted root volume, one instance in a private subnet', () => {
      const lt = forProvider(r, BASTION_LAUNCH_TEMPLATE);
      expect(lt.metadataOptions).toMatchObject({ httpTokens: 'required' });
      expect((lt.blockDeviceMappings as JsonObject[])[0].ebs).toMatchObject({
        encrypted: 'true',
        volumeType: 'gp3',
      });
      const asg = forProvider(r, BASTION_ASG);
      expect(asg).toMatchObject({ minSize: 1, maxSize: 1, desiredCapacity: 1 });
      expect(asg.vpcZoneIdentifierSelector).toEqual({
        matchControllerRef: true,
        matchLabels: { 'envstack.dev/subnet-tier': 'private', 'envstack.dev/region-role': 'primary' },
      });
    });
  });
});
