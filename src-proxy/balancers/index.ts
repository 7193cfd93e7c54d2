import type { BalancerName } from '../config/schema.js';
import type { Balancer, BalancerOptions } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash.js';
import { IpHashBalancer } from './ip-hash.js';
import { LeastConnectionsBalancer } from './least-connections.js';
import { P2cBalancer } from './p2c.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.js';

export type { Balancer, BalancerOptions, BalancerTarget, PickRequest } from './balancer.js';
export {
  ConsistentHashBalancer,
  IpHashBalancer,
  LeastConnectionsBalancer,
  P2cBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  WeightedRoundRobinBalancer,
};

/** Create a fresh (stateful) balancer; use one instance per upstream. */
export function createBalancer(name: BalancerName, options: BalancerOptions = {}): Balancer {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'weighted-round-robin':
      return new WeightedRoundRobinBalancer();
    case 'least-connections':
      return new LeastConnectionsBalancer();
    case 'ip-hash':
      return new IpHashBalancer();
    case 'consistent-hash':
      return new ConsistentHashBalancer(options);
    case 'p2c':
      return new P2cBalancer(options);
    case 'random':
      return new RandomBalancer(options);
    default: {
      const unknown: never = name;
      throw new Error(`unknown balancer "${String(unknown)}"`);
    }
  }
}
