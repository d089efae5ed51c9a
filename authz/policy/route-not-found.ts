// The decision for a route id the config does not know (docs/pomerium-behaviour.md §1.3): denied, 404.
import type { PolicyDecision } from './types.js';

export const ROUTE_NOT_FOUND: PolicyDecision = Object.freeze({
  outcome: 'deny',
  status: 404,
  reasons: Object.freeze(['route-not-found']),
  allowReasons: Object.freeze([]),
  denyReasons: Object.freeze(['route-not-found']),
  allow: false,
  deny: true,
  failures: Object.freeze([]),
  explanation: 'no route with this id',
});
