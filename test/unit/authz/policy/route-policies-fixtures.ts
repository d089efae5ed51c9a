// Config texts for route-policy tests: a header with the required keys plus routes.

import { compileRoutePolicies, policyIssues } from '../../../../authz/index.js';
import { ConfigError, type ConfigIssue, parseConfigText } from '../../../../config/index.js';

export const HEADER = `authenticate_service_url: https://auth.example.com
`;

export function loadText(text: string) {
  return parseConfigText(HEADER + text, { file: 'test.yaml', env: {} });
}

export function policiesOf(text: string) {
  return compileRoutePolicies(loadText(text));
}

/** The issues compileRoutePolicies throws (and checks policyIssues lists the same). */
export function policyErrors(text: string): readonly ConfigIssue[] {
  const loaded = loadText(text);
  const listed = policyIssues(loaded);
  try {
    compileRoutePolicies(loaded);
  } catch (err) {
    if (err instanceof ConfigError) {
      if (JSON.stringify(err.issues) !== JSON.stringify(listed)) throw new Error('issues differ');
      return err.issues;
    }
    throw err;
  }
  if (listed.length > 0)
    throw new Error('policyIssues found problems compileRoutePolicies did not');
  return [];
}
