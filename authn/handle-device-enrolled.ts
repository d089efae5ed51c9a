// /.pomerium/device-enrolled (docs/pomerium-behaviour.md §3.10): where Pomerium lands a browser
// after a WebAuthn device enrollment. Portcullis refuses the `device` criterion, so no device is
// ever enrolled here: the page says so plainly (200, like Pomerium's page, never a 404 that looks
// like a broken link) and points at the user page.
import { themeOf } from '../wire/index.js';
import { escapeHtml, renderPage } from './lib/render-page.js';
import type { RequestContext } from './lib/request-context.js';
import { sendHtml } from './lib/send-response.js';

export async function handleDeviceEnrolled(ctx: RequestContext): Promise<void> {
  sendHtml(
    ctx.res,
    200,
    renderPage(
      'Device enrollment',
      `<p id="device-enrolled">No device was enrolled: Portcullis does not support WebAuthn device enrollment (routes cannot use the <code>device</code> criterion).</p>
<ul class="actions"><li><a class="button" href="${escapeHtml('/.pomerium/')}">Your account details</a></li></ul>`,
      themeOf(ctx.state.config),
    ),
  );
}
