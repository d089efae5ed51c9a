// Settings the generator cannot honour yet are not silently dropped: each becomes a warning (the
// snapshot is still published) naming the route, logged by the ADS server and printed by the CLI.
import type { Config } from '../../config/index.js';
import type { EnvoyIssue } from '../types.js';

export function findIgnoredSettings(config: Config): EnvoyIssue[] {
  const out: EnvoyIssue[] = [];
  const warn = (resource: string, message: string, index?: number): void => {
    const r = index === undefined ? undefined : config.routes[index];
    out.push({
      code: 'ENVOY_UNSUPPORTED',
      resource,
      field: '',
      message,
      ...(r === undefined || index === undefined
        ? {}
        : { route: { index, id: r.id, path: `routes[${index}]` } }),
    });
  };
  if (config.codec_type === 'http3')
    warn('listener', 'codec_type http3 is served as auto (HTTP/1.1 and HTTP/2)');
  config.routes.forEach((r, i) => {
    if ((r.rewrite_response_headers?.length ?? 0) > 0) {
      warn(`route ${r.id}`, 'rewrite_response_headers is ignored (not supported yet)', i);
    }
    if (r.tls_downstream_server_name !== undefined) {
      warn(`route ${r.id}`, 'tls_downstream_server_name is ignored (not supported yet)', i);
    }
  });
  return out;
}
