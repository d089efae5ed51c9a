// The CheckRequest the authz benches send: a browser-like GET on route `r<i>` of the bench
// config, with a session cookie, or a bearer token when `token` is `bearer:<jwt>`.
import { randomUUID } from 'node:crypto';

export function benchCheckRequest(i: number, token: string): object {
  const host = `app-${i}.example.com`;
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 40000 } } },
      request: {
        http: {
          id: randomUUID(),
          method: 'GET',
          host,
          path: '/api/items?page=2',
          headers: {
            ':authority': host,
            ':method': 'GET',
            ':path': '/api/items?page=2',
            accept: 'application/json',
            ...(token.startsWith('bearer:')
              ? { authorization: `Bearer ${token.slice(7)}`, cookie: 'theme=dark' }
              : { cookie: `_pomerium=${token}; theme=dark` }),
            'user-agent': 'bench/1.0',
          },
        },
      },
      context_extensions: { internal: 'false', route_id: `r${i}` },
    },
  };
}
