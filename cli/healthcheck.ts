// The container image's HEALTHCHECK (Dockerfile): GET $PORTCULLIS_HEALTHCHECK_URL (default
// http://127.0.0.1:9902/metrics, the address the image's README section suggests for
// metrics_address) and exit 0 only when the process says it is ready — `portcullis_ready 1` on a
// /metrics page, or any 200 from another path (authn's /healthz). No config is read: the probe
// runs beside the process, with nothing but the URL. Exit 1 with the reason otherwise.
import { env, exit, stderr } from 'node:process';

const DEFAULT_URL = 'http://127.0.0.1:9902/metrics';

async function probeHealth(url: string, timeoutMs = 2500): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return `${url}: ${(err as Error).message}`;
  }
  const body = await res.text();
  if (res.status !== 200) return `${url}: HTTP ${res.status}`;
  if (new URL(url).pathname === '/metrics' && !/^portcullis_ready 1$/m.test(body)) {
    return `${url}: portcullis_ready is not 1`;
  }
  return null;
}

const problem = await probeHealth(env.PORTCULLIS_HEALTHCHECK_URL || DEFAULT_URL);
if (problem !== null) {
  stderr.write(`unhealthy: ${problem}\n`);
  exit(1);
}
