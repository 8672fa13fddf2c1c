import type { Flavor } from '../flavor.js';
import { Stack } from '../resource.js';
import { encryption } from './encryption.js';
import { network } from './network.js';
import { storage } from './storage.js';

/** Every component of the environment, in the order they are declared in the Composition. */
export function buildStack(flavor: Flavor): Stack {
  const stack = new Stack(flavor);
  network(stack);
  encryption(stack);
  storage(stack);
  stack.resolveConditions();
  return stack;
}
