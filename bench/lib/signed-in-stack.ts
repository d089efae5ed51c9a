// The all-in-one `portcullis start` of the e2e benches (the e2e stack: memory databroker, dev
// IdP), with a route to the bench's upstream that any signed-in user may use, and Alice signed
// in: what `-- e2e`, `-- e2e-tracing` and `-- memory` load through Envoy.
import { type E2eStack, scriptedSignIn, startE2eStack } from '../../test/helpers/e2e-stack.js';
import type { LoadTarget } from './h2load.js';
import { PRODUCTION_NODE } from './production-node.js';

export interface SignedInStack {
  readonly stack: E2eStack;
  /** The Portcullis process. */
  readonly pid: number;
  /** The signed-in session's Cookie header. */
  readonly cookie: string;
  /** The bench route through Envoy, with the cookie. */
  readonly target: LoadTarget;
}

export async function startSignedInStack(
  upPort: number,
  options: {
    readonly extraConfig?: string;
    readonly logLevel?: string;
    readonly execArgv?: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<SignedInStack> {
  const stack = await startE2eStack('all', {
    logLevel: options.logLevel ?? 'info',
    collectLogs: false,
    execArgv: options.execArgv ?? PRODUCTION_NODE.execArgv,
    env: options.env ?? PRODUCTION_NODE.env,
    ...(options.extraConfig ? { extraConfig: options.extraConfig } : {}),
    extraRoutes: `- from: http://bench.localhost:{{envoy}}\n  to: http://127.0.0.1:${upPort}\n  allow_any_authenticated_user: true`,
  });
  try {
    const browser = stack.browser();
    const landed = await scriptedSignIn(stack, browser, `${stack.url('bench')}/`);
    if (landed.status !== 200) throw new Error(`signed-in request answered ${landed.status}`);
    const cookie = browser.jar.header(new URL(stack.url('bench')));
    return {
      stack,
      pid: stack.portcullis!.child.pid!,
      cookie,
      target: {
        url: `http://127.0.0.1:${stack.envoyPort}/`,
        authority: `bench.localhost:${stack.envoyPort}`,
        headers: { cookie },
      },
    };
  } catch (err) {
    await stack.close();
    throw err;
  }
}
