// HTTP-01 answers live in the databroker whatever the certificate store: authn on any replica
// answers /.well-known/acme-challenge/TOKEN from the record (authn/handle-acme-challenge.ts).
import type { RecordStore } from '../../databroker/index.js';
import type { Http01Responder } from '../create-acme-client.js';

/** How long an answer is kept if the order never cleans it up. */
const ANSWER_TTL_MS = 15 * 60_000;

export function http01Records(store: RecordStore, now: () => number): Http01Responder {
  return {
    async publish(token, keyAuthorization) {
      await store.put([
        {
          type: 'acme_challenge',
          id: token,
          data: { id: token, key_authorization: keyAuthorization },
          expires_at: now() + ANSWER_TTL_MS,
        },
      ]);
    },
    async remove(token) {
      await store.delete('acme_challenge', token);
    },
  };
}
