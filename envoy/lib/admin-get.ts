// GET on the supervised Envoy's admin endpoint (loopback, plain HTTP) through node:http. Not
// `fetch`: its first call loads undici, ~20 ms of CPU in the middle of `portcullis start`
// (docs/performance.md "The cold path") and memory the process otherwise never needs.
import { get } from 'node:http';

/** Status and body text of `GET url`; rejects on a connection error or after `timeoutMs`. */
export function adminGet(url: string, timeoutMs = 5000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
