// Per-provider settings checked at load (docs/identity-providers.md, "Pomerium's per-provider
// keys"): an idp_provider_url in a form the provider does not serve its issuer at is refused with
// the form it wants (Entra without its tenant or v2.0, Cognito's hosted UI domain, Okta's admin
// host or an endpoint URL, GitHub's API host); Apple's .p8 key needs its team and key ids and
// must be P-256; settings the chosen provider does not use, and form_post over plain http, are
// warned about. idp_service_account is refused elsewhere (removed-keys.ts).
import { createPrivateKey } from 'node:crypto';
import type { Config } from '../schema.js';
import { isLoopbackUrl } from './check-idp-url.js';
import type { RawIssue } from './raw-issue.js';

type IdpKeys = Pick<
  Config,
  | 'idp_provider'
  | 'idp_provider_url'
  | 'idp_client_secret'
  | 'idp_apple_team_id'
  | 'idp_apple_key_id'
  | 'idp_request_params'
  | 'authenticate_service_url'
> & { readonly routes?: readonly { readonly idp_client_secret?: string | undefined }[] };

/** True when the value is a PEM private key (Apple's .p8 download) rather than a JWT. */
export function isPemPrivateKey(value: string): boolean {
  return /-----BEGIN (?:EC )?PRIVATE KEY-----/.test(value);
}

/** Why a PEM is not a usable Sign in with Apple key (EC P-256), or null. Never prints the key. */
export function appleKeyProblem(pem: string): string | null {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? null
      : 'Sign in with Apple keys are EC P-256 (ES256)';
  } catch {
    return 'not a readable PEM private key (use the .p8 file Apple let you download)';
  }
}

const APPLE_ID = /^[A-Z0-9]{10}$/;

/** What is wrong with idp_provider_url for this provider, or null. */
export function providerUrlProblem(provider: string, raw: string): string | null {
  const url = new URL(raw);
  if (url.search !== '' || url.hash !== '') {
    return 'the issuer URL has no query or fragment';
  }
  const host = url.hostname.toLowerCase();
  const segments = url.pathname.split('/').filter(Boolean);
  switch (provider) {
    case 'azure': {
      if (!/^login\.(microsoftonline\.(com|us)|chinacloudapi\.cn)$/.test(host)) return null;
      const tenant = (segments[0] ?? '').toLowerCase();
      if (tenant === '' || ['common', 'organizations', 'consumers'].includes(tenant)) {
        return `multi-tenant endpoints are not supported: use https://${host}/<tenant id>/v2.0`;
      }
      return segments[1] === 'v2.0' && segments.length === 2
        ? null
        : `use the v2 endpoints of your tenant: https://${host}/${segments[0]}/v2.0`;
    }
    case 'cognito':
      if (host.endsWith('.amazoncognito.com')) {
        return 'this is the hosted UI domain: use the user pool issuer https://cognito-idp.<region>.amazonaws.com/<user pool id> (the hosted UI is found through discovery)';
      }
      if (/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(host) && segments.length !== 1) {
        return `use the user pool issuer https://${host}/<user pool id>`;
      }
      return null;
    case 'okta':
      if (/-admin\.okta(preview)?\.com$/.test(host)) {
        return `this is the admin console: use https://${host.replace('-admin.', '.')} or https://${host.replace('-admin.', '.')}/oauth2/<authorization server id>`;
      }
      if (segments.includes('v1')) {
        return 'use the issuer, not an endpoint: https://<org>.okta.com or https://<org>.okta.com/oauth2/<authorization server id>';
      }
      return null;
    case 'github':
      return host === 'api.github.com'
        ? 'use https://github.com (or your GitHub Enterprise Server web address), not the API host'
        : null;
    default:
      return null;
  }
}

export function checkIdpProvider(config: IdpKeys, errors: RawIssue[], warnings: RawIssue[]): void {
  const provider = config.idp_provider.toLowerCase();
  if (config.idp_provider_url !== undefined) {
    const problem = providerUrlProblem(provider, config.idp_provider_url);
    if (problem) {
      errors.push({
        code: 'invalid_url',
        path: ['idp_provider_url'],
        message: `idp_provider ${provider}: ${problem}`,
      });
    }
  }
  const appleKeys = (['idp_apple_team_id', 'idp_apple_key_id'] as const).filter(
    (k) => config[k] !== undefined,
  );
  const secrets = [
    config.idp_client_secret,
    ...(config.routes ?? []).map((r) => r.idp_client_secret),
  ].filter((s): s is string => typeof s === 'string' && s !== '');
  const pem = secrets.some(isPemPrivateKey);
  if (provider !== 'apple' || !pem) {
    for (const k of appleKeys) {
      warnings.push({
        code: 'ignored_setting',
        path: [k],
        message:
          provider === 'apple'
            ? `${k} is used only with the .p8 private key in idp_client_secret (it signs the client secret); a pre-signed client secret is sent as is`
            : `${k} is used only with idp_provider: apple`,
      });
    }
  }
  if (provider === 'apple' && pem) {
    for (const k of ['idp_apple_team_id', 'idp_apple_key_id'] as const) {
      const v = config[k];
      if (v === undefined) {
        errors.push({
          code: 'missing_key',
          path: ['idp_client_secret'],
          message: `idp_client_secret is an Apple private key: ${k} is needed to sign the client secret`,
        });
      } else if (!APPLE_ID.test(v)) {
        errors.push({
          code: 'invalid_value',
          path: [k],
          message: `${k} is 10 upper-case letters and digits (from the Apple developer account)`,
        });
      }
    }
    for (const s of secrets) {
      const problem = isPemPrivateKey(s) ? appleKeyProblem(s) : null;
      if (problem)
        errors.push({ code: 'invalid_secret', path: ['idp_client_secret'], message: problem });
    }
  }
  const formPost = provider === 'apple' || config.idp_request_params?.response_mode === 'form_post';
  const auth = config.authenticate_service_url;
  if (formPost && auth !== undefined) {
    const url = new URL(auth);
    if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
      warnings.push({
        code: 'insecure_setting',
        path: ['authenticate_service_url'],
        message:
          'the IdP returns the code by form POST from its own site: the login cookies must be SameSite=None; Secure, which browsers keep only over https (or localhost)',
      });
    }
  }
}
